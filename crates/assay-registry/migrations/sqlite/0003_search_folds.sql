-- Text search matches the literal text, case-folded the same way on every
-- database: the registry folds holder and model names (Unicode lower case,
-- so "TÜV" finds "tüv" on SQLite too, whose LOWER folds ASCII only) and
-- stores the folds beside them; rows logged before this migration are
-- folded when the registry starts.
ALTER TABLE certificates ADD COLUMN holder_fold TEXT;
ALTER TABLE certificates ADD COLUMN model_fold TEXT;
