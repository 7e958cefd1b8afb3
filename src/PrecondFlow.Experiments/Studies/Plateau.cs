namespace PrecondFlow.Experiments.Studies;

/// <summary>The relative improvement of an error curve over its last doubling of steps.</summary>
/// <param name="FromStep">The evaluation point at (or nearest below) half the final step.</param>
/// <param name="ToStep">The final step.</param>
/// <param name="RelativeImprovement">(e(FromStep) − e(ToStep)) / e(FromStep); negative when the error grew.</param>
/// <param name="Threshold">Below this improvement the curve is called a plateau.</param>
public sealed record Plateau(int FromStep, int ToStep, double RelativeImprovement, double Threshold)
{
    public bool IsPlateau => !(RelativeImprovement >= Threshold);
}
