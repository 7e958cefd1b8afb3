namespace PrecondFlow.Experiments.TwoD;

/// <summary>A number a report states next to its table without it being any arm's result (lower is not necessarily better).</summary>
/// <param name="Key">Name in <c>results.json</c>, e.g. "classifier_test_accuracy".</param>
/// <param name="Label">How the report names it.</param>
/// <param name="Value">The value.</param>
/// <param name="Description">What it is and how it was measured, in a sentence.</param>
public sealed record ReferenceValue(string Key, string Label, double Value, string Description);
