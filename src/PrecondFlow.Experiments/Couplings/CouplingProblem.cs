using PrecondFlow.Data.Toy;

namespace PrecondFlow.Experiments.Couplings;

/// <summary>One transport problem: a source data set carried to a target data set.</summary>
/// <param name="Key">Short name used in results.json and file names.</param>
/// <param name="Title">What the report calls it.</param>
/// <param name="Source">The source data set (labels are ignored).</param>
/// <param name="Target">The target data set (labels are ignored).</param>
public sealed record CouplingProblem(string Key, string Title, ToyDataset Source, ToyDataset Target)
{
    /// <summary>The three problems: 8 Gaussians → moons (TorchCFM's OT-CFM example), 8 Gaussians → an elongated
    /// Gaussian of condition number κ (anisotropy: the regime preconditioning is for), and the checkerboard → the Swiss
    /// roll at unit scale with noise 0.05 (the paper's Fig. 11).</summary>
    public static IReadOnlyList<CouplingProblem> All(double kappa) =>
    [
        new("moons", "8 Gaussians → moons", new EightGaussians(), new TwoMoons()),
        new("elongated", $"8 Gaussians → elongated Gaussian (κ = {kappa:G4})", new EightGaussians(), new ElongatedGaussian(kappa)),
        new("swiss-roll", "checkerboard → Swiss roll (noise 0.05)", new Checkerboard(), new SwissRoll(0.05)),
    ];
}
