namespace PrecondFlow.Reporting;

/// <summary>One named set of (x, y) values for a chart.</summary>
public sealed record Series(string Name, IReadOnlyList<double> X, IReadOnlyList<double> Y)
{
    public static Series Of(string name, IReadOnlyList<double> y) =>
        new(name, Enumerable.Range(0, y.Count).Select(i => (double)i).ToArray(), y);
}
