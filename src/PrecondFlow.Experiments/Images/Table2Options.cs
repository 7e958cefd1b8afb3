using PrecondFlow.Data.Images;
using PrecondFlow.Images;

namespace PrecondFlow.Experiments.Images;

/// <summary>
/// Everything the Table 2 reproduction does on one data set: which images, the FID classifier, the VAE, the latent flows
/// and the evaluation.
/// </summary>
/// <param name="Dataset">"mnist" or "fashion-mnist" (<see cref="ImageDatasets.Names"/>).</param>
/// <param name="Budget">Which budget these options are.</param>
/// <param name="Classifier">Training of the classifier whose penultimate features define the FID.</param>
/// <param name="Vae">The VAE and its training.</param>
/// <param name="Flow">The latent flows.</param>
/// <param name="TrainLimit">Use only this many training images (a seeded stratified subset), or all when null.</param>
/// <param name="TestLimit">Use only this many held-out images, or all when null.</param>
/// <param name="GridColumns">Samples per class in the sample grids.</param>
/// <param name="SplitSeed">Seed of the MNIST train/test split and of the subsets (fixed, not the run's seed: every seed sees the same data).</param>
/// <param name="NetworkSeed">Seed of the classifier's and the VAE's training (one classifier and one VAE serve every arm and seed).</param>
public sealed record Table2Options(
    string Dataset,
    ImageBudget Budget,
    ClassifierOptions Classifier,
    VaeOptions Vae,
    LatentFlowOptions Flow,
    int? TrainLimit = null,
    int? TestLimit = null,
    int GridColumns = 10,
    int SplitSeed = 0,
    long NetworkSeed = 0)
{
    /// <summary>The options of <paramref name="budget"/> for <paramref name="dataset"/>.</summary>
    public static Table2Options For(string dataset, ImageBudget budget)
    {
        dataset = ImageDatasets.CheckName(dataset);
        bool fashion = dataset == "fashion-mnist";
        return budget switch
        {
            ImageBudget.Quick => new Table2Options(dataset, budget,
                new ClassifierOptions { Epochs = 1, MinimumSteps = 60 },
                new VaeOptions { Epochs = 1 },
                new LatentFlowOptions(Epochs: 8, BatchSize: 256, SolverSteps: 10, FlowPreconditionerSolverSteps: 8,
                    RealNvpSteps: 20, RealNvpBatchSize: 256, RealNvpHidden: 64, LogEvery: 5),
                TrainLimit: 1000, TestLimit: 400, GridColumns: 4),
            // The main flow sees 1000 epochs of the 8 000 MNIST training digits (2 000 steps) as in the paper; Fashion-MNIST has
            // 7.5 times as many images, so 200 epochs (2 930 steps) keep its cost close to MNIST's.
            // The VAE sees about 100 000 images on either data set (2 epochs of Fashion-MNIST, 12 of the MNIST digits).
            ImageBudget.Default => new Table2Options(dataset, budget,
                new ClassifierOptions(),
                new VaeOptions { Epochs = fashion ? 2 : 12 },
                new LatentFlowOptions(Epochs: fashion ? 200 : 1000)),
            ImageBudget.Paper => new Table2Options(dataset, budget,
                new ClassifierOptions { Epochs = 20 },
                new VaeOptions { Epochs = fashion ? 50 : 200 },
                new LatentFlowOptions(Epochs: 1000, RealNvpSteps: 10000, RealNvpBatchSize: 4096, SolverSteps: 100)),
            _ => throw new ArgumentOutOfRangeException(nameof(budget), budget, "Unknown budget."),
        };
    }

    public void Validate()
    {
        ImageDatasets.CheckName(Dataset);
        Classifier.Validate();
        Vae.Validate();
        Flow.Validate();
        if (TrainLimit is < 100)
            throw new ArgumentOutOfRangeException(nameof(TrainLimit), TrainLimit, "Use at least 100 training images.");
        if (TestLimit is < 20)
            throw new ArgumentOutOfRangeException(nameof(TestLimit), TestLimit, "Use at least 20 held-out images (split in two halves).");
        if (GridColumns < 1)
            throw new ArgumentOutOfRangeException(nameof(GridColumns), GridColumns, "Show at least one sample per class.");
    }
}
