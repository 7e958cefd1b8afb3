namespace PrecondFlow.Experiments.Studies;

/// <summary>Which values of a metric are better, and so how its error (lower is better) is read from it.</summary>
public enum MetricDirection
{
    /// <summary>A distance: the error is the value itself.</summary>
    LowerIsBetter,

    /// <summary>A share in [0, 1] such as precision: the error is 1 − value.</summary>
    HigherIsBetter,

    /// <summary>A ratio whose ideal is 1 (spectrum ratios, density): the error is |log value|.</summary>
    CloserToOneIsBetter,
}
