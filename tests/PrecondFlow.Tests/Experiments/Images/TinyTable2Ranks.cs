using PrecondFlow.Data.Images;
using PrecondFlow.Distributed;
using PrecondFlow.Experiments.Images;
using PrecondFlow.Experiments.TwoD;
using PrecondFlow.Tests.Distributed;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Experiments.Images;

/// <summary>
/// Runs the table2 pipeline (networks, then every arm for two seeds) on a tiny MNIST subset as one process and as two
/// ranks (threads of this process, <see cref="ThreadRanks"/>) with a fresh cache each, then prepares the networks on two
/// ranks again from the second cache. The budget is the quick one cut further: 200 held-out images instead of 400, 20
/// classifier steps instead of 60, a VAE of 8 channels instead of 16 (the 1 000 training images stay: class-conditional
/// whitening needs more than 64 latents per class). Deletes its folders afterwards.
/// </summary>
public sealed class TinyTable2Ranks : IDisposable
{
    /// <summary>What one rank's networks were: whether they came from the cache, the SHA-256 of the classifier's and
    /// the VAE's weights, and the bytes of the latents.</summary>
    public sealed record Networks(bool Reused, byte[] ClassifierHash, byte[] VaeHash, byte[] TrainLatents, byte[] TestLatents);

    public TinyTable2Ranks()
    {
        var places = ImageDatasets.StandardLocations("mnist", [AppContext.BaseDirectory]);
        Data = Table2Reproduction.Limit(ImageDatasets.Load("mnist", places, Options.SplitSeed), Options);
        Single = Run(SingleProcess.Instance, Path.Combine(Root, "cache-one"));
        TwoRanks = ThreadRanks.Run(2, communicator => Run(communicator, Path.Combine(Root, "cache-two")));
        TwoRanksFromCache = ThreadRanks.Run(2, communicator =>
        {
            using var networks = ImageNetworkCache.Prepare(Data, Options, Path.Combine(Root, "cache-two"), CPU, communicator: communicator);
            return Describe(networks);
        });
    }

    public static Table2Options Options { get; } = Quick with
    {
        Classifier = Quick.Classifier with { MinimumSteps = 20 },
        Vae = Quick.Vae with { Channels = 8 },
        TestLimit = 200,
    };

    private static Table2Options Quick => Table2Options.For("mnist", ImageBudget.Quick);

    public static IReadOnlyList<long> Seeds { get; } = [0, 1];

    public string Root { get; } = Directory.CreateTempSubdirectory("precondflow-table2-ranks-").FullName;

    public ImageDataSplit Data { get; }

    public (ExperimentResult Result, Networks Networks) Single { get; }

    public (ExperimentResult Result, Networks Networks)[] TwoRanks { get; }

    public Networks[] TwoRanksFromCache { get; }

    private (ExperimentResult, Networks) Run(ICommunicator communicator, string cache)
    {
        using var networks = ImageNetworkCache.Prepare(Data, Options, cache, CPU, communicator: communicator);
        var result = Table2Experiment.Run(Options, Data, networks, Seeds, CPU, communicator: communicator);
        return (result, Describe(networks));
    }

    private static Networks Describe(PrecondFlow.Experiments.Images.ImageNetworks networks) => new(
        networks.Report.ClassifierReused && networks.Report.VaeReused,
        WeightAgreement.Hash(networks.Classifier.parameters()), WeightAgreement.Hash(networks.Vae.parameters()),
        networks.TrainLatents.bytes.ToArray(), networks.TestLatents.bytes.ToArray());

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
