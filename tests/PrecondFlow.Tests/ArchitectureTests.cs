using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace PrecondFlow.Tests;

/// <summary>
/// The assemblies keep the data flowing one way: the core knows nothing of experiments, reports or consoles; the experiments
/// return plain data and draw nothing; only the command line reads the process environment. Checked on the compiled
/// assemblies: their references, and the framework members their code calls.
/// </summary>
public class ArchitectureTests
{
    private static readonly Assembly Core = typeof(PrecondFlow.Pipeline.PreconditionedModel).Assembly;
    private static readonly Assembly Experiments = typeof(PrecondFlow.Experiments.TwoD.ExperimentResult).Assembly;

    /// <summary>Libraries that draw or talk to a terminal.</summary>
    private static readonly string[] Presentation =
        ["ScottPlot", "SkiaSharp", "HarfBuzzSharp", "Spectre.Console", "System.CommandLine", "System.Console"];

    /// <summary>Members that read the process environment or depend on where the process was started.</summary>
    private static readonly string[] EnvironmentLookups =
    [
        "System.Environment.GetEnvironmentVariable", "System.Environment.GetEnvironmentVariables",
        "System.Environment.get_CurrentDirectory", "System.IO.Directory.GetCurrentDirectory", "System.AppContext.get_BaseDirectory",
    ];

    private static string[] References(Assembly assembly) => assembly.GetReferencedAssemblies().Select(a => a.Name!).ToArray();

    [Fact]
    public void TheCoreReferencesTorchSharpButNoPresentationAndNoAssemblyAboveIt()
    {
        var references = References(Core);
        Assert.Contains("TorchSharp", references);
        Assert.DoesNotContain(references, r => Presentation.Any(p => r.StartsWith(p, StringComparison.Ordinal)));
        Assert.DoesNotContain(references, r => r.StartsWith("PrecondFlow", StringComparison.Ordinal));
    }

    [Fact]
    public void TheExperimentsReferenceTheCoreOnlyAndDrawNothing()
    {
        var references = References(Experiments);
        Assert.Contains("PrecondFlow", references);
        Assert.DoesNotContain(references, r => Presentation.Any(p => r.StartsWith(p, StringComparison.Ordinal)));
        Assert.DoesNotContain(references, r => r.StartsWith("PrecondFlow.", StringComparison.Ordinal));
    }

    [Fact]
    public void NeitherTheCoreNorTheExperimentsReadTheEnvironmentOrTheWorkingDirectory()
    {
        Assert.Empty(CalledMembers(Core).Intersect(EnvironmentLookups));
        Assert.Empty(CalledMembers(Experiments).Intersect(EnvironmentLookups));
    }

    /// <summary>Every member of another assembly that <paramref name="assembly"/>'s code refers to, as "Namespace.Type.Member".</summary>
    private static HashSet<string> CalledMembers(Assembly assembly)
    {
        using var stream = File.OpenRead(assembly.Location);
        using var pe = new PEReader(stream);
        var metadata = pe.GetMetadataReader();
        var members = new HashSet<string>(StringComparer.Ordinal);
        foreach (var handle in metadata.MemberReferences)
        {
            var member = metadata.GetMemberReference(handle);
            if (member.Parent.Kind != HandleKind.TypeReference)
                continue;
            var type = metadata.GetTypeReference((TypeReferenceHandle)member.Parent);
            members.Add($"{metadata.GetString(type.Namespace)}.{metadata.GetString(type.Name)}.{metadata.GetString(member.Name)}");
        }
        return members;
    }
}
