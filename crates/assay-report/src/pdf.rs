//! The PDF report, laid out by the Typst engine inside the binary: the
//! document goes in as JSON, the layout is `report.typ`, and the only fonts
//! are the two embedded in the binary, so the output is the same on any
//! machine and needs nothing installed.

use std::sync::LazyLock;

use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Duration, Smart};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;

use crate::ReportError;
use crate::document::Document;

const TEMPLATE: &str = include_str!("report.typ");
/// The report font (a subset of Nanum Gothic: Latin, symbols, every
/// Hangul syllable), regular; the HTML of a Korean report inlines it too.
pub(crate) const REGULAR: &[u8] = include_bytes!("../fonts/AssayGothic-Regular.ttf");
const BOLD: &[u8] = include_bytes!("../fonts/AssayGothic-Bold.ttf");

struct Fonts {
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

static FONTS: LazyLock<Fonts> = LazyLock::new(|| {
    let fonts: Vec<Font> = [REGULAR, BOLD]
        .into_iter()
        .flat_map(|data| Font::iter(Bytes::new(data)))
        .collect();
    Fonts {
        book: LazyHash::new(FontBook::from_fonts(&fonts)),
        fonts,
    }
});

static LIBRARY: LazyLock<LazyHash<Library>> = LazyLock::new(|| LazyHash::new(Library::default()));

fn file_id(path: &str) -> FileId {
    let vpath = VirtualPath::new(path).unwrap_or_else(|_| unreachable!("fixed paths are valid"));
    RootedPath::new(VirtualRoot::Project, vpath).intern()
}

struct ReportWorld {
    main: Source,
    data: Bytes,
    data_id: FileId,
    today: Option<Datetime>,
}

impl World for ReportWorld {
    fn library(&self) -> &LazyHash<Library> {
        &LIBRARY
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &FONTS.book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(FileError::NotFound(Default::default()))
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.data_id {
            Ok(self.data.clone())
        } else {
            Err(FileError::NotFound(Default::default()))
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        FONTS.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        self.today
    }
}

fn issue_date(iso: &str) -> Option<Datetime> {
    let y = iso.get(0..4)?.parse().ok()?;
    let m = iso.get(5..7)?.parse().ok()?;
    let d = iso.get(8..10)?.parse().ok()?;
    Datetime::from_ymd(y, m, d)
}

fn diagnostics(errors: &[SourceDiagnostic]) -> ReportError {
    ReportError::Layout(
        errors
            .iter()
            .map(|e| e.message.to_string())
            .collect::<Vec<_>>()
            .join("; "),
    )
}

/// Lay the document out and write it as PDF. The same document gives the
/// same bytes: the creation date is the issue date and the document id
/// comes from the report number.
pub fn render(doc: &Document) -> Result<Vec<u8>, ReportError> {
    let data = serde_json::to_vec(doc).map_err(|e| ReportError::Layout(e.to_string()))?;
    let today = issue_date(&doc.issued);
    let world = ReportWorld {
        main: Source::new(file_id("/report.typ"), TEMPLATE.to_owned()),
        data: Bytes::new(data),
        data_id: file_id("/report.json"),
        today,
    };
    let compiled = typst::compile::<PagedDocument>(&world);
    let document = compiled.output.map_err(|e| diagnostics(&e))?;
    let options = typst_pdf::PdfOptions {
        ident: Smart::Custom(format!("assay-report-{}-{}", doc.number, doc.lang)),
        creator: Smart::Custom(Some(format!("assay {}", env!("CARGO_PKG_VERSION")))),
        timestamp: today.map(typst_pdf::Timestamp::new_utc),
        ..typst_pdf::PdfOptions::default()
    };
    typst_pdf::pdf(&document, &options).map_err(|e| diagnostics(&e))
}
