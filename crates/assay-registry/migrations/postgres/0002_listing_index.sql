-- Lists and searches are ordered newest first (issued DESC, number): with
-- these indexes a page is read in that order, by itself or within one
-- issuer or one status, and the read stops at the page's limit instead of
-- sorting every matching certificate for each page.
CREATE INDEX certificates_listing ON certificates (issued DESC, number);
DROP INDEX certificates_issuer;
CREATE INDEX certificates_issuer_listing ON certificates (issuer, issued DESC, number);
CREATE INDEX certificates_status_listing ON certificates (status, issued DESC, number);
