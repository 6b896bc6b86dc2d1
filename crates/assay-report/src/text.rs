//! Every label, heading and sentence of a report in English and Korean, and
//! the formatting of numbers and dates for each language.
//!
//! The texts are one enum: the compiler refuses a text without both
//! languages.

use std::fmt::Write as _;

pub use assay_record::text::Lang;

/// The lab's own words (a plan's text) in `lang`; words the plan gives
/// only in another language are shown with a mark that says so.
pub fn said(text: &assay_record::Text, lang: Lang) -> String {
    let got = text.get(lang);
    match got.fallback {
        None => got.text.to_owned(),
        Some(other) => format!(
            "{} {}",
            got.text,
            match other {
                Lang::En => T::OnlyInEnglish.get(lang),
                Lang::Ko => T::OnlyInKorean.get(lang),
            }
        ),
    }
}

/// Numbers, dates and sizes written as each language writes them.
pub trait Words: Copy {
    /// A date `YYYY-MM-DD` written for the language ("29 November 2026",
    /// "2026년 11월 29일"); other text comes back as it is.
    fn date(self, iso: &str) -> String;

    /// A date and time from an RFC 3339 UTC stamp, to the minute.
    fn date_time(self, stamp: &str) -> String;

    /// An integer with thousands separators (both languages group by three
    /// with commas).
    fn count(self, n: u64) -> String;

    /// A number with `decimals` places, `-0` shown as `0`.
    fn fixed(self, x: f64, decimals: usize) -> String;

    /// A p-value: 4 decimals, or "< 0.0001".
    fn p_value(self, p: f64) -> String;

    /// A byte size ("13,153 bytes", "13,153 바이트").
    fn bytes(self, n: u64) -> String;

    /// "page {page} of {pages}" for the footers.
    fn page_of(self) -> &'static str;
}

impl Words for Lang {
    fn date(self, iso: &str) -> String {
        let parts: Vec<&str> = iso.get(..10).unwrap_or(iso).split('-').collect();
        let [y, m, d] = parts.as_slice() else {
            return iso.to_owned();
        };
        let (Ok(month), Ok(day)) = (m.parse::<usize>(), d.parse::<u32>()) else {
            return iso.to_owned();
        };
        const MONTHS: [&str; 12] = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        match self {
            Lang::En if (1..=12).contains(&month) => format!("{day} {} {y}", MONTHS[month - 1]),
            Lang::Ko => format!("{y}년 {month}월 {day}일"),
            Lang::En => iso.to_owned(),
        }
    }

    fn date_time(self, stamp: &str) -> String {
        let time = stamp.get(11..16).unwrap_or("");
        if time.is_empty() {
            return self.date(stamp);
        }
        format!("{} {time} UTC", self.date(stamp))
    }

    fn count(self, n: u64) -> String {
        let digits = n.to_string();
        let mut out = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        out
    }

    fn fixed(self, x: f64, decimals: usize) -> String {
        let s = format!("{x:.decimals$}");
        if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') {
            s[1..].to_owned()
        } else {
            s
        }
    }

    fn p_value(self, p: f64) -> String {
        if p < 1e-4 {
            "< 0.0001".to_owned()
        } else {
            self.fixed(p, 4)
        }
    }

    fn bytes(self, n: u64) -> String {
        let mut s = self.count(n);
        let _ = write!(s, " {}", T::Bytes.get(self));
        s
    }

    fn page_of(self) -> &'static str {
        T::PageOf.get(self)
    }
}

macro_rules! texts {
    ($($name:ident => $en:expr, $ko:expr;)*) => {
        /// A text of the report.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum T {
            $(
                #[allow(missing_docs)]
                $name,
            )*
        }

        impl T {
            /// Every text.
            pub const ALL: &'static [T] = &[$(T::$name),*];

            /// The text in `lang`.
            pub fn get(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $(
                        (T::$name, Lang::En) => $en,
                        (T::$name, Lang::Ko) => $ko,
                    )*
                }
            }
        }
    };
}

texts! {
    ReportTitle => "Test report", "시험 성적서";
    ReportNumber => "Report number", "성적서 번호";
    PageOf => "Page {page} of {pages}", "{pages}쪽 중 {page}쪽";
    EndOfReport => "— End of report —", "— 성적서 끝 —";
    Bytes => "bytes", "바이트";
    NotStated => "not stated", "기재되지 않음";
    NotApplicable => "not applicable", "해당 없음";

    // Parties and items.
    SecLab => "Testing laboratory", "시험기관";
    SecClient => "Client", "의뢰자";
    Name => "Name", "이름";
    Address => "Address", "주소";
    Accreditation => "Accreditation", "인정";
    LabId => "Laboratory identifier", "시험기관 식별자";
    SecItem => "Item tested", "시험 대상";
    ModelName => "Model", "모델";
    ModelVersion => "Version", "버전";
    Developer => "Developer", "개발자";
    IntendedUse => "Intended use", "사용 목적";
    Description => "Description", "설명";
    ModelDigest => "Model SHA-256", "모델 SHA-256";
    ModelManifestRoot => "Model directory manifest root (OpenSSF model signing)", "모델 디렉터리 매니페스트 루트 (OpenSSF 모델 서명)";
    ModelNotRun => "The client supplied the model's predictions; the laboratory did not run the model.", "의뢰자가 모델의 예측값을 제공하였으며, 시험기관은 모델을 직접 실행하지 않았다.";
    ModelRunBy => "The laboratory ran the model on its own test set.", "시험기관이 자체 시험 데이터로 모델을 직접 실행하였다.";
    SecData => "Test data and inputs", "시험 데이터 및 입력";
    Role => "Role", "역할";
    Path => "Path", "경로";
    Size => "Size", "크기";
    Items => "Items", "항목 수";
    Skipped => "Skipped", "제외";
    NoIntervalAtBoundary => "no interval: every resample gives the same boundary value, and a zero-width interval would claim a certainty the data do not give", "구간 없음: 모든 재표본이 같은 경계값을 주며, 폭이 0인 구간은 데이터가 주지 않는 확실성을 주장하게 됨";
    NoIntervalMaximum => "no interval: a bootstrap resample's maximum never exceeds the sample's, so its upper bound would be the value itself", "구간 없음: 부트스트랩 재표본의 최댓값은 표본의 최댓값을 넘지 못하므로 상한이 값 자체가 되어 데이터가 주지 않는 확실성을 주장하게 됨";
    SliceDiffers => "differs from the rest", "나머지와 다름";
    SliceNoDifference => "no difference shown", "차이가 보이지 않음";
    SliceTooSmall => "too small to tell", "판단하기에 너무 작음";
    SliceUnderpowered => "under-powered", "검정력 부족";
    SliceInsufficient => "insufficient evidence", "증거 불충분";
    Power => "power", "검정력";
    ToSee => "to see a difference of", "감지할 차이";
    PerfectCalibration => "perfect calibration", "완전 보정";
    OnlyInEnglish => "(given in English only)", "(영어로만 제공됨)";
    OnlyInKorean => "(given in Korean only)", "(한국어로만 제공됨)";
    IgnoredFiles => "Files in the test-set folder that are not images (by extension), left out", "시험 세트 폴더에서 이미지가 아니어서(확장자 기준) 제외한 파일";
    RolePredictions => "predictions", "예측값";
    RoleRobustnessPredictions => "robustness predictions", "강건성 시험 예측값";
    RoleModel => "model", "모델";
    RoleModelDir => "model directory", "모델 디렉터리";
    RoleTestSet => "test set", "시험 데이터";
    RoleBaseline => "baseline predictions", "기준 모델 예측값";
    RoleTrainingManifest => "training-data manifest", "학습 데이터 목록";
    RoleLabLogo => "lab logo", "시험기관 표장";
    RoleTestManifest => "test-data manifest", "시험 데이터 목록";
    RolePlan => "test plan", "시험 계획";

    // Method and dates.
    SecMethod => "Method", "시험 방법";
    Standard => "Standard", "표준";
    ClausesApplied => "Clauses applied", "적용 조항";
    ClausesText => "clause 5.3 (control criteria 5.3.2–5.3.14, disclosed below); the classification performance metrics with the intervals named beside each result", "5.3절 (통제 기준 5.3.2–5.3.14, 아래에 공개); 각 결과 옆에 적힌 구간 추정 방법에 따른 분류 성능 지표";
    ClausesTextTask => "the performance metrics of the task assessed, with the intervals named beside each result; the control criteria of ISO/IEC TS 4213:2022 clause 5.3 as the checklist of disclosures (below)", "평가한 과제의 성능 지표와 각 결과 옆에 적힌 구간 추정 방법; 공개 항목 점검표로서 ISO/IEC TS 4213:2022 5.3절의 통제 기준 (아래)";
    Plan => "Test plan", "시험 계획";
    PlanDigest => "Test plan SHA-256", "시험 계획 SHA-256";
    Tool => "Software", "소프트웨어";
    Revision => "Source revision", "소스 리비전";
    Seed => "Random seed", "난수 시드";
    ConfidenceLevel => "Confidence level", "신뢰 수준";
    Environment => "Test environment", "시험 환경";
    SecDates => "Dates", "일자";
    DateReceived => "Items received", "시험 대상 접수일";
    DateTesting => "Testing", "시험 수행일";
    DateIssued => "Report issued", "성적서 발행일";
    CertificateIssued => "Issued", "발행일";

    // The one-page certificate.
    CertTitleTest => "Test certificate", "시험 인증서";
    CertTitleConformity => "Certificate of conformity", "적합성 인증서";
    CertStatement => "This certifies that the model identified below was tested against the standard named and met every acceptance criterion of the assessment.", "이 인증서는 아래 모델이 명시된 표준에 따라 시험되었으며 시험의 모든 합격 기준을 충족하였음을 증명한다.";
    CertVerify => "To check that this certificate stands, scan the code or open the address under it: the issuer's public registry shows the certificate and whether it is valid, suspended or withdrawn.", "이 인증서가 유효한지 확인하려면 코드를 스캔하거나 그 아래의 주소에 접속하십시오. 발행기관의 공개 등록부에서 인증서와 그 상태(유효, 정지, 철회)를 볼 수 있습니다.";
    CertVerifyOffline => "To check this certificate, ask the issuer for its certificate file ({number}.cert.json): with the issuer's public key anyone can check its signature and that a model is the one certified.", "이 인증서를 확인하려면 발행기관에 인증서 파일({number}.cert.json)을 요청하십시오. 발행기관의 공개키로 누구나 서명과 모델의 동일성을 확인할 수 있습니다.";
    CertReports => "Test reports", "시험 성적서";
    ReportFileName => "File", "파일";
    ReportLanguage => "Language", "언어";
    CertSignatory => "Authorised by", "승인자";
    CertRederived => "Results re-derived before signing", "서명 전 결과 재산출";
    RederivedPredictions => "every result recomputed from the recorded predictions", "기록된 예측값으로 모든 결과를 다시 계산함";
    RederivedModelRun => "every result recomputed from a new run of the model", "모델을 다시 실행하여 모든 결과를 다시 계산함";
    CertNumber => "Certificate number", "인증서 번호";
    CertHolder => "Holder", "인증 보유자";
    CertValid => "Valid", "유효 기간";
    CertDigest => "Certificate SHA-256", "인증서 SHA-256";
    CertScan => "Scan to verify", "스캔하여 검증";
    CertLogo => "Mark of the issuing body", "발급 기관 표장";

    // Results.
    SecResults => "Results", "시험 결과";
    ResultsIntro => "Every result is given with its confidence interval and the method of that interval.", "모든 결과는 신뢰구간 및 그 산출 방법과 함께 제시한다.";
    Metric => "Metric", "지표";
    Identifier => "Identifier", "식별자";
    Value => "Value", "값";
    Interval => "Confidence interval", "신뢰구간";
    Method => "Method", "방법";
    Class => "Class", "클래스";
    Support => "Support", "표본 수";
    PerClass => "Per class", "클래스별 결과";
    OtherMetrics => "Further metrics", "기타 지표";
    ReportedMetrics => "Reported metrics (named in the test plan)", "보고 지표 (시험 계획에 명시)";
    ItemsEvaluated => "Items evaluated", "평가 항목 수";
    Task => "Task", "과제";
    PositiveClass => "Positive class", "양성 클래스";
    Classes => "Classes", "클래스";
    Undefined => "undefined", "정의되지 않음";

    // Figures.
    FigRoc => "ROC curve with its pointwise confidence band", "ROC 곡선과 점별 신뢰대";
    FigRocMulti => "ROC curves, one class against the rest", "ROC 곡선 (클래스별 일대다)";
    FigPr => "Precision–recall curve", "정밀도–재현율 곡선";
    FigPrMulti => "Precision–recall curves, one class against the rest", "정밀도–재현율 곡선 (클래스별 일대다)";
    FigConfusion => "Confusion matrix: counts (left) and normalised by true class (right)", "혼동 행렬: 건수 (왼쪽), 실제 클래스 기준 정규화 (오른쪽)";
    FigReliability => "Reliability diagram", "신뢰도 다이어그램";
    FigPredictedTrue => "Predicted against true values", "예측값 대 실제값";
    FigResiduals => "Residuals against predicted values", "예측값에 대한 잔차";
    Cluster => "Cluster", "군집";
    MeanSilhouette => "Mean silhouette", "평균 실루엣";
    MajorityClass => "Majority class (share)", "다수 클래스 (비율)";
    ClusterTable => "Clusters: size, mean silhouette of their points and majority class", "군집별 크기, 소속 점의 평균 실루엣, 다수 클래스";
    MoreClusters => "smaller clusters not shown (all are in the record)", "개의 더 작은 군집은 표시하지 않음 (모두 평가 기록에 있음)";
    SilhouetteSample => "The silhouette is that of a seeded sample of the items, of size", "실루엣은 시드로 고정한 표본에 대해 계산했으며, 표본 크기는";
    FigSlices => "Per-slice results with confidence intervals", "슬라이스별 결과와 신뢰구간";
    FigBaseline => "Differences from the baseline with confidence intervals", "기준 모델 대비 차이와 신뢰구간";
    FigRobustness => "Degradation under perturbation", "교란에 따른 성능 저하";
    FigLatency => "Per-item latency", "항목별 지연 시간";
    AxisFpr => "False-positive rate", "위양성률";
    AxisTpr => "True-positive rate", "진양성률";
    AxisRecall => "Recall", "재현율";
    AxisPrecision => "Precision", "정밀도";
    AxisPredicted => "Predicted", "예측";
    AxisTruth => "True", "실제";
    AxisConfidence => "Mean predicted probability", "평균 예측 확률";
    AxisTrue => "True value", "실제값";
    AxisPredictedValue => "Predicted value", "예측값";
    AxisResidual => "Residual (true - predicted)", "잔차 (실제 - 예측)";
    IdentityLine => "predicted = true", "예측 = 실제";
    ZeroLine => "no error", "오차 없음";
    AxisObserved => "Observed frequency", "관측 빈도";
    AxisSeverity => "Severity", "강도";
    AxisLatency => "Latency (ms, log scale)", "지연 시간 (ms, 로그 척도)";
    AxisItems => "Items", "항목 수";
    AxisDifference => "Difference (candidate - baseline)", "차이 (평가 모델 - 기준 모델)";
    Band => "band", "신뢰대";
    Chance => "chance", "무작위";
    Prevalence => "positive share", "양성 비율";
    Overall => "overall", "전체";
    Margin => "margin", "허용 한계";
    Clean => "clean", "원본";

    // Slices, baseline, robustness, performance.
    SecSlices => "Results per slice", "슬라이스별 결과";
    Slice => "Slice", "슬라이스";
    SliceTest => "Difference from the rest", "나머지와의 차이";
    SliceCorrection => "Tests corrected for multiplicity", "다중 비교 보정";
    SecBaseline => "Comparison with the baseline", "기준 모델과의 비교";
    Hypothesis => "Hypothesis", "가설";
    Baseline => "Baseline", "기준 모델";
    Candidate => "Candidate", "평가 모델";
    Difference => "Difference", "차이";
    Conclusion => "Conclusion", "결론";
    PrimaryMetric => "Primary metric", "주 지표";
    McNemar => "McNemar's test (exact p)", "맥니마 검정 (정확 p)";
    DeLong => "DeLong's test of ROC AUC", "ROC AUC의 DeLong 검정";
    SecRobustness => "Robustness (ISO/IEC TR 24029-1)", "강건성 (ISO/IEC TR 24029-1)";
    RobustnessIntro => "Perturbed copies of every test item; drops are clean minus perturbed, with paired bootstrap intervals.", "모든 시험 항목의 교란 사본으로 평가하였다. 저하량은 원본에서 교란 결과를 뺀 값이며 대응 부트스트랩 구간을 함께 제시한다.";
    Perturbation => "Perturbation", "교란";
    Severity => "Severity", "강도";
    Parameter => "Parameter", "매개변수";
    Drop => "Drop", "저하량";
    FlipRate => "Prediction flip rate", "예측 변경률";
    McNemarP => "McNemar p", "맥니마 p";
    SecPerformance => "Computational performance (clauses 5.3.11–5.3.12)", "연산 성능 (5.3.11–5.3.12절)";
    LatencyItem => "Latency per item", "항목별 지연 시간";
    LatencyBatch => "Latency per model call", "모델 호출별 지연 시간";
    Throughput => "Throughput", "처리량";
    InferenceThroughput => "Inference throughput (model time only)", "추론 처리량 (모델 시간만)";
    BatchSize => "Batch size", "배치 크기";
    Threads => "Threads", "스레드";
    ItemsPerSecond => "items/s", "항목/초";
    Processor => "Processor", "프로세서";
    OperatingSystem => "Operating system", "운영체제";
    LogicalCpus => "Logical CPUs", "논리 CPU";

    // Criteria and verdict.
    SecCriteria => "Acceptance criteria, decision rule and verdict", "합격 기준, 판정 규칙 및 판정";
    Criterion => "Criterion", "기준";
    Compared => "Compared value", "비교 값";
    FalseAcceptRisk => "False-accept risk", "오합격 위험";
    Result => "Result", "결과";
    Met => "met", "충족";
    NotMet => "not met", "미충족";
    NotJudged => "not judged", "판정 안 함";
    DecisionRule => "Decision rule (ISO/IEC 17025 clause 7.8.6)", "판정 규칙 (ISO/IEC 17025 7.8.6절)";
    RuleGuarded => "Guarded acceptance: a criterion is met only when the whole confidence interval lies on the passing side of the limit, so the probability of a false acceptance is at most (1 - confidence level) / 2 for each criterion.", "보호 대역 합격 규칙: 신뢰구간 전체가 한계값의 합격 쪽에 있을 때에만 기준을 충족한 것으로 판정한다. 따라서 각 기준의 오합격 확률은 최대 (1 - 신뢰 수준) / 2이다.";
    RuleSimple => "Simple acceptance: a criterion is met when the measured value lies on the passing side of the limit; the uncertainty is not taken into account, so the probability of a false acceptance can approach 50 % for a value near the limit.", "단순 합격 규칙: 측정값이 한계값의 합격 쪽에 있으면 기준을 충족한 것으로 판정한다. 불확도를 고려하지 않으므로 한계값에 가까운 값의 오합격 확률은 50 %에 이를 수 있다.";
    Verdict => "Verdict", "판정";
    VerdictPass => "PASS", "합격";
    VerdictFail => "FAIL", "불합격";
    VerdictNotJudged => "NOT JUDGED", "판정 안 함";
    CriteriaMet => "criteria met", "개 기준 충족";
    NoCriteria => "The test plan states no acceptance criteria.", "시험 계획에 합격 기준이 없다.";
    BaselineVerdict => "Baseline comparison", "기준 모델 비교";

    // Disclosures, deviations, warnings, closing.
    SecDisclosures => "Control criteria disclosed (ISO/IEC TS 4213 clause 5.3)", "통제 기준 공개 (ISO/IEC TS 4213 5.3절)";
    Clause => "Clause", "조항";
    Topic => "Topic", "항목";
    Status => "Status", "상태";
    Statement => "Statement", "내용";
    Disclosed => "disclosed", "공개";
    NotDisclosed => "not disclosed", "공개되지 않음";
    SecDeviations => "Deviations from the test plan", "시험 계획과의 차이";
    NoDeviations => "None.", "없음.";
    DeviationSkipped => "items of the test set could not be read and were left out (the test plan allows this); each is listed in the assessment record.", "개 항목을 읽을 수 없어 제외하였다 (시험 계획이 허용함). 각 항목은 평가 기록에 있다.";
    DeviationNotJudged => "criteria could not be judged.", "개 기준을 판정할 수 없었다.";
    SecLeakage => "Information leakage check (clause 5.3.7)", "정보 누출 점검 (5.3.7절)";
    LeakageItems => "Test items also found in the training data", "학습 데이터에도 있는 시험 항목";
    TrainingItems => "Training items", "학습 항목";
    TestItems => "Test items", "시험 항목";
    SecWarnings => "Warnings", "경고";
    NoWarnings => "None.", "없음.";
    SecStatement => "Statements", "선언";
    OnlyItemsTested => "The results relate only to the items tested.", "이 시험 결과는 시험한 대상에 한정된다.";
    NoPartialCopy => "This report shall not be reproduced except in full without the written approval of the laboratory.", "이 성적서는 시험기관의 서면 승인 없이 일부만 복제할 수 없다.";
    Record => "Assessment record", "평가 기록";
    RecordDigest => "Assessment record SHA-256", "평가 기록 SHA-256";
    SecAuthorisation => "Authorisation", "승인";
    Authoriser => "Authorised by", "승인자";
    Function => "Function", "직위";
    Signature => "Signature", "서명";
    NotNamed => "not named in the test plan", "시험 계획에 지정되지 않음";
}

/// A metric's name in `lang` (the identifier itself when it has none).
pub fn metric_name(id: &str, lang: Lang) -> String {
    // Averaged and per-class forms: "f1_macro", "recall[malignant]".
    if let Some((base, rest)) = id.split_once('[') {
        return format!("{} [{rest}", metric_name(base, lang));
    }
    for (suffix, en, ko) in [
        ("_macro", "macro", "매크로"),
        ("_micro", "micro", "마이크로"),
        ("_weighted", "weighted", "가중"),
        ("_ovr_macro", "one-vs-rest macro", "일대다 매크로"),
        ("_ovr_weighted", "one-vs-rest weighted", "일대다 가중"),
        ("_ovo_macro", "one-vs-one macro", "일대일 매크로"),
        ("_samples", "samples", "샘플"),
        ("_drop", "drop", "저하량"),
    ] {
        if let Some(base) = id.strip_suffix(suffix)
            && let Some(name) = base_name(base, lang)
        {
            let kind = if lang == Lang::En { en } else { ko };
            return format!("{name} ({kind})");
        }
    }
    base_name(id, lang).map_or_else(|| id.to_owned(), str::to_owned)
}

fn base_name(id: &str, lang: Lang) -> Option<&'static str> {
    let (en, ko) = match id {
        "accuracy" => ("Accuracy", "정확도"),
        "balanced_accuracy" => ("Balanced accuracy", "균형 정확도"),
        "precision" => ("Precision", "정밀도"),
        "recall" => ("Recall (sensitivity)", "재현율 (민감도)"),
        "specificity" => ("Specificity", "특이도"),
        "npv" => ("Negative predictive value", "음성 예측도"),
        "fpr" => ("False-positive rate", "위양성률"),
        "fnr" => ("False-negative rate", "위음성률"),
        "f1" => ("F1 score", "F1 점수"),
        "fbeta" => ("F-beta score", "F-beta 점수"),
        "mcc" => ("Matthews correlation coefficient", "매튜스 상관계수"),
        "cohen_kappa" => ("Cohen's kappa", "코헨 카파"),
        "roc_auc" => ("Area under the ROC curve", "ROC 곡선 아래 면적"),
        "pr_auc" => (
            "Area under the precision–recall curve",
            "정밀도–재현율 곡선 아래 면적",
        ),
        "average_precision" => ("Average precision", "평균 정밀도"),
        "log_loss" => ("Log loss", "로그 손실"),
        "brier_score" => ("Brier score", "브라이어 점수"),
        "ece" => ("Expected calibration error", "기대 보정 오차"),
        "mce" => ("Maximum calibration error", "최대 보정 오차"),
        "kl_divergence" => ("Kullback–Leibler divergence", "쿨백–라이블러 발산"),
        "top_k_accuracy" => ("Top-k accuracy", "상위 k 정확도"),
        "hamming_loss" => ("Hamming loss", "해밍 손실"),
        "subset_accuracy" => (
            "Subset accuracy (exact match)",
            "부분집합 정확도 (완전 일치)",
        ),
        "jaccard" => ("Jaccard index", "자카드 지수"),
        "flip_rate" => ("Prediction flip rate", "예측 변경률"),
        "support" => ("Support", "표본 수"),
        "mae" => ("Mean absolute error", "평균 절대 오차"),
        "mse" => ("Mean squared error", "평균 제곱 오차"),
        "rmse" => ("Root mean squared error", "평균 제곱근 오차"),
        "r2" => ("Coefficient of determination (R²)", "결정계수 (R²)"),
        "explained_variance" => ("Explained variance", "설명된 분산"),
        "max_error" => ("Maximum absolute error", "최대 절대 오차"),
        "median_absolute_error" => ("Median absolute error", "중앙 절대 오차"),
        "mape" => ("Mean absolute percentage error", "평균 절대 백분율 오차"),
        "msle" => ("Mean squared logarithmic error", "평균 제곱 로그 오차"),
        "rmsle" => (
            "Root mean squared logarithmic error",
            "평균 제곱근 로그 오차",
        ),
        "d2_absolute_error" => ("D² absolute error score", "D² 절대 오차 점수"),
        "mean_poisson_deviance" => ("Mean Poisson deviance", "평균 포아송 이탈도"),
        "mean_gamma_deviance" => ("Mean gamma deviance", "평균 감마 이탈도"),
        "pearson_r" => ("Pearson correlation (r)", "피어슨 상관계수 (r)"),
        "spearman_rho" => (
            "Spearman rank correlation (ρ)",
            "스피어먼 순위 상관계수 (ρ)",
        ),
        "kendall_tau" => ("Kendall rank correlation (τ-b)", "켄달 순위 상관계수 (τ-b)"),
        "interval_coverage" => ("Prediction-interval coverage", "예측 구간 포함률"),
        "mean_interval_width" => ("Mean prediction-interval width", "평균 예측 구간 폭"),
        "adjusted_rand" => ("Adjusted Rand index", "조정 랜드 지수"),
        "rand" => ("Rand index", "랜드 지수"),
        "adjusted_mutual_info" => ("Adjusted mutual information", "조정 상호정보량"),
        "normalized_mutual_info" => ("Normalised mutual information", "정규화 상호정보량"),
        "mutual_info" => ("Mutual information (nats)", "상호정보량(나트)"),
        "homogeneity" => ("Homogeneity", "동질성"),
        "completeness" => ("Completeness", "완전성"),
        "v_measure" => ("V-measure", "V-척도"),
        "fowlkes_mallows" => ("Fowlkes–Mallows index", "파울크스–맬로스 지수"),
        "purity" => ("Purity", "순도"),
        "silhouette" => ("Silhouette coefficient", "실루엣 계수"),
        "davies_bouldin" => ("Davies–Bouldin index", "데이비스–볼딘 지수"),
        "calinski_harabasz" => ("Calinski–Harabasz index", "칼린스키–하라바스 지수"),
        _ => return None,
    };
    Some(if lang == Lang::En { en } else { ko })
}

/// An interval method's name in `lang`.
pub fn method_name(method: &str, lang: Lang) -> String {
    let (en, ko) = match method {
        "wilson" => ("Wilson score", "윌슨 점수"),
        "clopper-pearson" => ("Clopper–Pearson exact", "클로퍼–피어슨 정확"),
        "delong" => ("DeLong", "DeLong"),
        "bootstrap-percentile" => ("bootstrap, percentile", "부트스트랩, 백분위"),
        "bootstrap-bca" => ("bootstrap, BCa", "부트스트랩, BCa"),
        "jackknife" => ("jackknife", "잭나이프"),
        "logit" => ("logit", "로짓"),
        "normal" => ("normal approximation", "정규 근사"),
        "max-variance" => (
            "largest variance (Birnbaum–Klose), at a boundary",
            "최대 분산(Birnbaum–Klose), 경계값",
        ),
        "wilson-bonferroni" => ("Wilson per bin, Bonferroni", "구간별 윌슨, 본페로니"),
        "newcombe" => ("Newcombe", "뉴컴"),
        "bootstrap-percentile-stratified" => (
            "stratified bootstrap, percentile",
            "층화 부트스트랩, 백분위",
        ),
        _ => return method.to_owned(),
    };
    (if lang == Lang::En { en } else { ko }).to_owned()
}

/// A slice's test against the rest, in words: whether it differs, shows
/// no difference, or cannot tell — and then whether the slice is too small
/// or has too little power, with the power.
pub fn slice_status(
    test: &assay_record::eval::SliceTest,
    n: u64,
    slices: &assay_record::eval::SlicesOut,
    lang: Lang,
) -> String {
    use assay_record::eval::SliceStatus;
    match test.status {
        SliceStatus::Differs => T::SliceDiffers.get(lang).to_owned(),
        SliceStatus::NoDifferenceShown => T::SliceNoDifference.get(lang).to_owned(),
        SliceStatus::InsufficientEvidence if n < slices.min_size => format!(
            "{} (n < {})",
            T::SliceTooSmall.get(lang),
            lang.count(slices.min_size)
        ),
        SliceStatus::InsufficientEvidence => match test.power {
            Some(power) => format!(
                "{} ({} {} < {}, {} {})",
                T::SliceUnderpowered.get(lang),
                T::Power.get(lang),
                lang.fixed(power, 2),
                lang.fixed(slices.min_power, 2),
                T::ToSee.get(lang),
                lang.fixed(slices.effect, 2)
            ),
            None => T::SliceInsufficient.get(lang).to_owned(),
        },
    }
}

/// A perturbation's name in `lang`.
pub fn perturbation_name(p: assay_model::Perturbation, lang: Lang) -> &'static str {
    use assay_model::Perturbation as P;
    let (en, ko) = match p {
        P::Noise => ("noise", "잡음"),
        P::Blur => ("blur", "흐림"),
        P::Brightness => ("brightness", "밝기"),
        P::Contrast => ("contrast", "대비"),
        P::Jpeg => ("JPEG", "JPEG 압축"),
        P::Occlusion => ("occlusion", "가림"),
        P::Rotation => ("rotation", "회전"),
        P::FeatureNoise => ("feature noise", "특징 잡음"),
    };
    if lang == Lang::En { en } else { ko }
}

/// What a perturbation's parameter means, in `lang`.
pub fn perturbation_unit(p: assay_model::Perturbation, lang: Lang) -> &'static str {
    use assay_model::Perturbation as P;
    let (en, ko) = match p {
        P::Noise => (p.unit(), "[0, 1] 화소값에 대한 표준편차"),
        P::Blur => (p.unit(), "짧은 변 224화소 기준 가우스 시그마(화소)"),
        P::Brightness => (p.unit(), "[0, 1] 화소값에 더하는 값"),
        P::Contrast => (p.unit(), "영상 평균으로부터의 거리에 곱하는 배율"),
        P::Jpeg => (p.unit(), "JPEG 품질"),
        P::Occlusion => (p.unit(), "회색 정사각형 한 변, 짧은 변에 대한 비율"),
        P::Rotation => (p.unit(), "최대 각도(도), 방향과 크기는 영상마다 추출"),
        P::FeatureNoise => (
            p.unit(),
            "잡음 표준편차, 시험 세트에서 각 특징의 표준편차에 대한 비율",
        ),
    };
    if lang == Lang::En { en } else { ko }
}

/// A warning of the record in `lang`: from its code and parameters where
/// the record has them, else its recorded (English) message.
pub fn warning_text(w: &assay_record::assessment::Warning, lang: Lang) -> String {
    use assay_record::assessment::WarningCode as C;
    if lang == Lang::En || w.params.is_empty() {
        return w.message.clone();
    }
    let text = |k: &str| w.params.get(k).and_then(|v| v.as_str()).unwrap_or("");
    let number = |k: &str| w.params.get(k).and_then(serde_json::Value::as_f64);
    let list = |k: &str| {
        w.params
            .get(k)
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            })
            .unwrap_or_default()
    };
    match w.code {
        C::ClassImbalance => format!(
            "클래스 '{}'는 전체 항목의 {} %이다. 항목 평균 지표로는 이 클래스에 대해 알 수 있는 것이 적으므로, 클래스별 결과와 구간을 볼 것.",
            text("class"),
            lang.fixed(number("percent").unwrap_or(0.0), 1)
        ),
        C::FewItems => format!(
            "클래스 '{}'의 항목은 {}개이다. 클래스별 구간이 넓다.",
            text("class"),
            lang.count(number("items").unwrap_or(0.0) as u64)
        ),
        C::SmallSlices => format!(
            "조각 {}개는 결론을 뒷받침하기에 너무 작거나 검정력이 부족하다(\"증거 불충분\"으로 표시): {}",
            lang.count(number("count").unwrap_or(0.0) as u64),
            list("slices")
        ),
        C::Leakage => format!(
            "시험 항목 {}개 중 {}개가 학습 항목과 내용이 같다(ISO/IEC TS 4213 5.3.7). 이 항목들의 결과는 성능을 과대평가한다.",
            lang.count(number("items").unwrap_or(0.0) as u64),
            lang.count(number("leaked").unwrap_or(0.0) as u64)
        ),
        C::NotDisclosed => format!(
            "ISO/IEC TS 4213 5.3의 통제 기준 {}개가 밝혀지지 않았다: {}",
            lang.count(number("count").unwrap_or(0.0) as u64),
            list("clauses")
        ),
        C::CriterionNotJudged => match text("cause") {
            "undefined" => format!(
                "기준 \"{}\"을(를) 판정할 수 없다: 이 데이터에서 지표 값이 정의되지 않는다(사유는 평가 기록에 있다).",
                text("criterion")
            ),
            "no-interval" => format!(
                "기준 \"{}\"을(를) 판정할 수 없다: 보호 판정 규칙에는 신뢰구간이 필요한데 이 지표에는 구간이 없다(사유는 평가 기록에 있다).",
                text("criterion")
            ),
            _ => format!(
                "기준 \"{}\"을(를) 판정할 수 없다 (평가 기록의 사유: {})",
                text("criterion"),
                w.message
            ),
        },
        C::Intervals => w.message.clone(),
    }
}

/// The words of a record value that a report shows (`pass`, `superior`,
/// `non-inferiority`, ...), in `lang`.
pub fn word(value: &str, lang: Lang) -> String {
    let (en, ko) = match value {
        "pass" => ("pass", "합격"),
        "fail" => ("fail", "불합격"),
        "not judged" => ("not judged", "판정 안 함"),
        "superior" => ("superior", "우월"),
        "non-inferior" => ("non-inferior", "비열등"),
        "inferior" => ("inferior", "열등"),
        "inconclusive" => ("inconclusive", "결론 없음"),
        "equivalent" => ("equivalent", "동등"),
        "not equivalent" => ("not equivalent", "동등하지 않음"),
        "non-inferiority" => ("non-inferiority", "비열등성"),
        "superiority" => ("superiority", "우월성"),
        "equivalence" => ("equivalence", "동등성"),
        "binary" => ("binary", "이진 분류"),
        "multiclass" => ("multi-class", "다중 클래스 분류"),
        "multilabel" => ("multi-label", "다중 레이블 분류"),
        "regression" => ("regression", "회귀"),
        "clustering" => ("clustering", "군집화"),
        "guarded" => ("guarded", "보호 대역"),
        "simple" => ("simple", "단순"),
        "holm" => ("Holm", "홀름"),
        "bonferroni" => ("Bonferroni", "본페로니"),
        "bh" => ("Benjamini–Hochberg", "벤야미니–호흐베르크"),
        "none" => ("none", "없음"),
        _ => return value.to_owned(),
    };
    (if lang == Lang::En { en } else { ko }).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_has_both_languages_and_they_differ_where_words_are_translated() {
        for t in T::ALL {
            assert!(
                !t.get(Lang::En).is_empty() && !t.get(Lang::Ko).is_empty(),
                "{t:?}"
            );
        }
        assert!(
            T::PageOf.get(Lang::Ko).contains("{page}")
                && T::PageOf.get(Lang::Ko).contains("{pages}")
        );
    }

    #[test]
    fn dates_and_numbers_are_written_for_the_language() {
        assert_eq!(Lang::En.date("2026-11-29"), "29 November 2026");
        assert_eq!(Lang::Ko.date("2026-11-29"), "2026년 11월 29일");
        assert_eq!(
            Lang::Ko.date_time("2026-11-29T22:58:47.600Z"),
            "2026년 11월 29일 22:58 UTC"
        );
        assert_eq!(Lang::En.count(1_234_567), "1,234,567");
        assert_eq!(Lang::En.count(999), "999");
        assert_eq!(Lang::En.fixed(-0.00001, 4), "0.0000");
        assert_eq!(Lang::En.fixed(-0.25, 2), "-0.25");
        assert_eq!(metric_name("recall", Lang::Ko), "재현율 (민감도)");
        assert_eq!(metric_name("f1_macro", Lang::En), "F1 score (macro)");
        assert_eq!(metric_name("unknown_thing", Lang::En), "unknown_thing");
    }
}
