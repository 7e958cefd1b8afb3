using PrecondFlow.Data.Images;
using PrecondFlow.Images;

namespace PrecondFlow.Experiments.Images;

/// <summary>
/// Everything the Table 3 reproduction does on one data set: which images, in which space the flows live (a VAE's spatial
/// latent, as the paper's SD-VAE latents, or the pixels), the FID classifier, the VAE, the UNet flows and the evaluation.
/// </summary>
/// <param name="Dataset">"mnist" or "fashion-mnist" (<see cref="ImageDatasets.Names"/>).</param>
/// <param name="Budget">Which budget these options are.</param>
/// <param name="Space">"latent" (a 4×8×8 VAE latent) or "pixels" (1×28×28 images scaled to [−1, 1]).</param>
/// <param name="Classifier">Training of the classifier whose penultimate features define the FID.</param>
/// <param name="Vae">The spatial VAE (its <see cref="VaeOptions.LatentChannels"/> &gt; 0) and its training.</param>
/// <param name="Flow">The UNet flows.</param>
/// <param name="TrainLimit">Use only this many training images (a seeded subset), or all when null.</param>
/// <param name="TestLimit">Use only this many held-out images, or all when null.</param>
/// <param name="GridColumns">Samples per class in the sample grids.</param>
/// <param name="SplitSeed">Seed of the MNIST train/test split and of the subsets.</param>
/// <param name="NetworkSeed">Seed of the classifier's and the VAE's training.</param>
public sealed record Table3Options(
    string Dataset,
    ImageBudget Budget,
    string Space,
    ClassifierOptions Classifier,
    VaeOptions Vae,
    UNetFlowOptions Flow,
    int? TrainLimit = null,
    int? TestLimit = null,
    int GridColumns = 10,
    int SplitSeed = 0,
    long NetworkSeed = 0)
{
    /// <summary>The spaces the flows can live in.</summary>
    public static IReadOnlyList<string> Spaces { get; } = ["latent", "pixels"];

    /// <summary>Whether the flows live in the VAE's latent space.</summary>
    public bool InLatent => Space == "latent";

    /// <summary>The options of <paramref name="budget"/> for <paramref name="dataset"/> in <paramref name="space"/>.</summary>
    public static Table3Options For(string dataset, ImageBudget budget, string space = "latent")
    {
        dataset = ImageDatasets.CheckName(dataset);
        CheckSpace(space);
        bool latent = space == "latent";
        var vae = new VaeOptions { LatentChannels = 4 };
        return budget switch
        {
            ImageBudget.Quick => new Table3Options(dataset, budget, space,
                new ClassifierOptions { Epochs = 1, MinimumSteps = 60 },
                vae with { Epochs = 1, Channels = 8 },
                new UNetFlowOptions(Epochs: 2, BatchSize: 64, BaseChannels: 16, Heads: 1, NormGroups: 4, SolverSteps: 3, LogEvery: 2),
                TrainLimit: 600, TestLimit: 200, GridColumns: 3),
            // Sized to finish one data set in about an hour on a 2-core CPU: 10 000 training images, a UNet of 32 and 64
            // channels; the VAE sees 40 000 images (4 epochs, about 2.5 s a step of 128 here).
            ImageBudget.Default => new Table3Options(dataset, budget, space,
                new ClassifierOptions(),
                vae with { Epochs = 4 },
                latent
                    ? new UNetFlowOptions(Epochs: 6, AttentionResolutions: [4])
                    : new UNetFlowOptions(Epochs: 2, BatchSize: 64, BaseChannels: 16, AttentionResolutions: []),
                TrainLimit: 10_000, TestLimit: 2_000),
            // The paper's recipe (Table 5: UNet, 4 heads, 32 per batch, up to 1/3 of the epochs for the preconditioner) at
            // the size of these images: meant for a GPU.
            ImageBudget.Paper => new Table3Options(dataset, budget, space,
                new ClassifierOptions { Epochs = 20 },
                vae with { Epochs = 50 },
                new UNetFlowOptions(Epochs: 150, BatchSize: 32, BaseChannels: 128, ChannelMultipliers: [1, 2], ResBlocks: 2,
                    AttentionResolutions: latent ? [4] : [14], NormGroups: 32, LearningRate: 2e-4, SolverSteps: 50,
                    PreconditionerSolverSteps: 16)),
            _ => throw new ArgumentOutOfRangeException(nameof(budget), budget, "Unknown budget."),
        };
    }

    /// <summary>The FID classifier and the VAE, with the options table2 caches them under.</summary>
    public Table2Options Networks => Table2Options.For(Dataset, Budget) with
    {
        Classifier = Classifier,
        Vae = Vae,
        TrainLimit = TrainLimit,
        TestLimit = TestLimit,
        SplitSeed = SplitSeed,
        NetworkSeed = NetworkSeed,
    };

    public void Validate()
    {
        ImageDatasets.CheckName(Dataset);
        CheckSpace(Space);
        Classifier.Validate();
        Vae.Validate();
        if (!Vae.IsSpatial)
            throw new ArgumentException("Table 3's flows live in a spatial latent: the VAE needs LatentChannels > 0.", nameof(Vae));
        Flow.Validate();
        if (TrainLimit is < 100)
            throw new ArgumentOutOfRangeException(nameof(TrainLimit), TrainLimit, "Use at least 100 training images.");
        if (TestLimit is < 20)
            throw new ArgumentOutOfRangeException(nameof(TestLimit), TestLimit, "Use at least 20 held-out images (split in two halves).");
        if (GridColumns < 1)
            throw new ArgumentOutOfRangeException(nameof(GridColumns), GridColumns, "Show at least one sample per class.");
    }

    private static void CheckSpace(string space)
    {
        if (!Spaces.Contains(space))
            throw new ArgumentException($"Unknown space '{space}': use {string.Join(" or ", Spaces)}.", nameof(space));
    }
}
