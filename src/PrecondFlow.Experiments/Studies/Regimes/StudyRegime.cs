namespace PrecondFlow.Experiments.Studies.Regimes;

/// <summary>A claim of the paper, checked in one regime: arm <see cref="Arm"/> has a lower error than arm
/// <see cref="Against"/> on <see cref="Metric"/> at the last evaluation point.</summary>
/// <param name="Statement">The claim in words, e.g. "whitening recovers the thin direction".</param>
/// <param name="Arm">The arm the claim is about.</param>
/// <param name="Against">The arm it is compared with (the baseline "none" unless said otherwise).</param>
/// <param name="Metric">The study metric key that measures it (its error, <see cref="StudyMetric.Error"/>).</param>
public sealed record RegimeClaim(string Statement, string Arm, string Metric, string Against = StudyOptions.Baseline);

/// <summary>One regime of <c>reproduce study-2d</c>: a convergence study's settings and data, and the claims it tests.</summary>
/// <param name="Id">Folder name, e.g. "a-gaussian-kappa-1e4".</param>
/// <param name="Group">The regime's letter in the study plan: a (positive control), b (mixture), c (Swiss roll), …</param>
/// <param name="Title">One line for the report.</param>
/// <param name="Options">The study's settings.</param>
/// <param name="Data">Its data.</param>
/// <param name="Claims">The paper's claims it checks.</param>
public sealed record StudyRegime(string Id, string Group, string Title, StudyOptions Options, StudyData Data,
    IReadOnlyList<RegimeClaim> Claims);

/// <summary>A regime and the study it ran.</summary>
public sealed record RegimeResult(StudyRegime Regime, StudyResult Study);

/// <summary>Every regime of <c>reproduce study-2d</c>, in run order.</summary>
/// <param name="Settings">The seeds and budget it ran with.</param>
/// <param name="Regimes">One study per regime.</param>
/// <param name="WallSeconds">Wall time of all of them.</param>
/// <param name="Ablations">RealNVP's quality ablation and slit check on each Swiss-roll regime (<see cref="PreconditionerQuality"/>).</param>
/// <param name="Experiment">The name it ran under (<see cref="TwoDExperiments.Names"/>): study-2d, or one of the paper's experiments.</param>
public sealed record TwoDStudyResult(TwoDStudySettings Settings, IReadOnlyList<RegimeResult> Regimes, double WallSeconds,
    IReadOnlyList<QualityAblation> Ablations, string Experiment = TwoDStudy.Id);
