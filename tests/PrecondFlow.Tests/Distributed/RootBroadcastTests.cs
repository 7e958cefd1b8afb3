using PrecondFlow.Distributed;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.Distributed;

/// <summary>What rank 0 alone knows reaches every rank unchanged, whatever the others passed.</summary>
public sealed class RootBroadcastTests
{
    [Fact]
    public void EveryRankGetsRank0sDecisionAndText()
    {
        var flags = ThreadRanks.Run(3, c => RootBroadcast.Flag(c, c.Rank == 0));
        Assert.Equal([true, true, true], flags);
        var texts = ThreadRanks.Run(3, c => RootBroadcast.Text(c, c.Rank == 0 ? "entry of rank 0" : null));
        Assert.All(texts, t => Assert.Equal("entry of rank 0", t));
    }

    [Fact]
    public void EveryRankGetsRank0sTensorBitForBitWithItsShapeAndDtype()
    {
        var sent = arange(24, dtype: ScalarType.Float64).reshape(2, 3, 4).sqrt();
        var received = ThreadRanks.Run(2, c => RootBroadcast.Tensor(c, c.Rank == 0 ? sent : null));
        Assert.Same(sent, received[0]);
        Assert.Equal(ScalarType.Float64, received[1].dtype);
        Assert.Equal(sent.shape, received[1].shape);
        Assert.Equal(sent.bytes.ToArray(), received[1].bytes.ToArray());
    }

    [Fact]
    public void EveryRankGetsRank0sWeightsIntoItsOwnNetwork()
    {
        var hashes = ThreadRanks.Run(2, c =>
        {
            // Different initial weights per rank, as a network built afresh next to one read from a file.
            using var generator = new Generator((ulong)(c.Rank + 1));
            using var network = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2));
            using (no_grad())
                foreach (var p in network.parameters())
                    p.copy_(randn(p.shape, generator: generator));
            var before = WeightAgreement.Hash(network.parameters());
            RootBroadcast.Module(c, network);
            return (Before: before, After: WeightAgreement.Hash(network.parameters()));
        });
        Assert.NotEqual(hashes[0].Before, hashes[1].Before);
        Assert.Equal(hashes[0].Before, hashes[0].After);
        Assert.Equal(hashes[0].Before, hashes[1].After);
    }

    [Fact]
    public void NetworksOfDifferentArchitecturesAreAnError()
    {
        var error = Assert.Throws<InvalidOperationException>(() => ThreadRanks.Run(2, c =>
        {
            using var network = nn.Linear(4, c.Rank == 0 ? 8 : 6);
            RootBroadcast.Module(c, network);
            return 0;
        }));
        Assert.Contains("different architectures", error.InnerException!.Message);
    }
}
