//! The task families the evaluation knows, each one module implementing
//! [`crate::family::Family`]. Adding a family adds a module here and one
//! arm to the dispatch in [`crate::run::evaluate`].

pub(crate) mod binary;
pub(crate) mod clustering;
pub(crate) mod multiclass;
pub(crate) mod multilabel;
pub(crate) mod regression;

pub(crate) use binary::BinaryFamily;
pub(crate) use clustering::ClusteringFamily;
pub(crate) use multiclass::MulticlassFamily;
pub(crate) use multilabel::MultilabelFamily;
pub(crate) use regression::RegressionFamily;
