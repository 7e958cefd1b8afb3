namespace PrecondFlow.Experiments.TwoD;

/// <summary>One column of an experiment's table: a number measured per seed, where lower is better unless
/// <paramref name="HigherIsBetter"/>.</summary>
/// <param name="Key">Name in <c>results.json</c>, e.g. "sw2_gaussian_to_data".</param>
/// <param name="Label">Column heading and name in sentences, e.g. "Gaussian → data SW₂".</param>
/// <param name="Description">What exactly is measured, for the report's legend.</param>
/// <param name="RatioScale">True for positive quantities whose changes read as percentages (distances, errors);
/// false for quantities that can be zero or negative (the unbiased MMD² estimate), whose changes are absolute.</param>
/// <param name="HigherIsBetter">True for shares where more is better (precision, recall, accuracy); the report says so.</param>
public sealed record MetricInfo(string Key, string Label, string Description, bool RatioScale = true, bool HigherIsBetter = false);
