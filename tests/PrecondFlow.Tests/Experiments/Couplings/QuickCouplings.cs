using PrecondFlow.Tests.Cli;

namespace PrecondFlow.Tests.Experiments.Couplings;

/// <summary>Two `reproduce couplings --quick --seeds 2` runs of the command line, shared by the tests that read their folders.</summary>
public sealed class QuickCouplings : IDisposable
{
    public const string Collection = "quick couplings";

    private readonly string root = Directory.CreateTempSubdirectory("precondflow-couplings-").FullName;

    public QuickCouplings()
    {
        First = Run("first");
        Second = Run("second");
    }

    /// <summary>The first run's outcome and folder.</summary>
    internal (CliRunner.Outcome Outcome, string Folder) First { get; }

    /// <summary>A second run with the same arguments.</summary>
    internal (CliRunner.Outcome Outcome, string Folder) Second { get; }

    private (CliRunner.Outcome, string) Run(string name)
    {
        var folder = Path.Combine(root, name);
        return (CliRunner.Run("reproduce", "couplings", "--quick", "--seeds", "2", "--out", folder), folder);
    }

    public void Dispose() => Directory.Delete(root, recursive: true);
}

/// <summary>The test classes that read the shared quick runs.</summary>
[CollectionDefinition(QuickCouplings.Collection)]
public sealed class QuickCouplingsCollection : ICollectionFixture<QuickCouplings>;
