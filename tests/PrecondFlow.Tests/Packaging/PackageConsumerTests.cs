using System.IO.Compression;
using System.Xml.Linq;

namespace PrecondFlow.Tests.Packaging;

/// <summary>
/// The library as a NuGet package: packed into a local folder feed, referenced by a project outside this repository
/// (only the package and a libtorch bundle, no project reference), and the QuickStart example built and run against it.
/// </summary>
public sealed class PackageConsumerTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(8);
    private readonly string root = Path.Combine(Path.GetTempPath(), $"precondflow-package-{Guid.NewGuid():N}");
    // A version no earlier run has used, so that NuGet's global cache cannot hand back a stale copy.
    private readonly string version = $"0.1.0-localtest.{DateTime.UtcNow:yyyyMMddHHmmss}.{Random.Shared.Next(1000, 9999)}";

    [Fact]
    public void ThePackedLibraryCarriesXmlDocsAReadmeAndTheNativeShimPatchButNoNativeBundleOrPlotting()
    {
        var package = Pack();
        using var zip = ZipFile.OpenRead(package);
        var entries = zip.Entries.Select(e => e.FullName).ToHashSet();
        Assert.Contains("lib/net10.0/PrecondFlow.dll", entries);
        Assert.Contains("lib/net10.0/PrecondFlow.xml", entries);
        Assert.Contains("README.md", entries);
        Assert.Contains("buildTransitive/PrecondFlow.targets", entries);
        Assert.Contains("buildTransitive/WeakenGlibcxxRequirement.cs", entries);
        Assert.Contains("buildTransitive/DeferFinalizedScalarRelease.cs", entries);
        Assert.Contains("buildTransitive/ShareConstantScalars.cs", entries);

        var nuspec = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal));
        using var stream = nuspec.Open();
        var dependencies = XDocument.Load(stream).Descendants().Where(e => e.Name.LocalName == "dependency")
            .Select(e => (string)e.Attribute("id")!).ToArray();
        Assert.Contains("TorchSharp", dependencies);
        Assert.DoesNotContain("TorchSharp-cpu", dependencies);
        Assert.DoesNotContain(dependencies, d => d.StartsWith("ScottPlot", StringComparison.Ordinal)
            || d.StartsWith("SkiaSharp", StringComparison.Ordinal) || d.StartsWith("HarfBuzz", StringComparison.Ordinal));
    }

    [Fact]
    public void TheQuickStartExampleBuildsAndRunsAgainstThePackageAlone()
    {
        Pack();
        var app = Path.Combine(root, "app");
        Directory.CreateDirectory(app);
        File.Copy(Path.Combine(RepositoryRoot(), "examples", "QuickStart", "Program.cs"), Path.Combine(app, "Program.cs"));
        File.WriteAllText(Path.Combine(app, "QuickStart.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="PrecondFlow" Version="{version}" />
                <PackageReference Include="TorchSharp-cpu" Version="0.107.0" />
                <PackageDownload Include="Mono.Cecil" Version="[0.11.6]" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="local-feed" value="{Path.Combine(root, "feed")}" />
              </packageSources>
            </configuration>
            """);
        WritePoints(Path.Combine(app, "points.csv"));

        var build = DotnetProcess.Run(app, Limit, "build", "-c", "Release");
        Assert.True(build.ExitCode == 0, build.Output);
        Assert.Contains("TorchSharp.dll now frees finalized Scalars only after", build.Output);
        Assert.Contains("TorchSharp.dll now shares one Scalar per repeated constant and thread", build.Output);
        var assets = File.ReadAllText(Path.Combine(app, "obj", "project.assets.json"));
        Assert.Contains($"\"PrecondFlow/{version}\"", assets);
        Assert.DoesNotContain("\"type\": \"project\"", assets);

        var dll = Path.Combine(app, "bin", "Release", "net10.0", "QuickStart.dll");
        var run = DotnetProcess.Run(app, Limit, dll, "points.csv", "whiten", "200", Path.Combine(root, "model"));
        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Contains("exact: True", run.Output);
        Assert.Contains("same model: True", run.Output);
        Assert.True(File.Exists(Path.Combine(root, "model", "model.json")), run.Output);
    }

    /// <summary>Packs the already built Release library (no rebuild) under this test's version into a folder feed.</summary>
    private string Pack()
    {
        var feed = Path.Combine(root, "feed");
        var result = DotnetProcess.Run(RepositoryRoot(), Limit, "pack", Path.Combine("src", "PrecondFlow", "PrecondFlow.csproj"),
            "-c", "Release", "--no-build", "-o", feed, $"-p:PackageVersion={version}");
        Assert.True(result.ExitCode == 0, result.Output);
        return Directory.GetFiles(feed, "*.nupkg").Single();
    }

    /// <summary>A noisy circle of radius 2: two dimensions, enough points for whitening and a few hundred steps.</summary>
    private static void WritePoints(string path)
    {
        var random = new Random(3);
        var lines = new List<string> { "x,y" };
        for (int i = 0; i < 1000; i++)
        {
            double angle = 2 * Math.PI * random.NextDouble();
            double radius = 2 + 0.1 * (random.NextDouble() - 0.5);
            lines.Add(FormattableString.Invariant($"{radius * Math.Cos(angle):F5},{0.5 * radius * Math.Sin(angle):F5}"));
        }
        File.WriteAllLines(path, lines);
    }

    private static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
            if (File.Exists(Path.Combine(folder.FullName, "PrecondFlow.slnx")))
                return folder.FullName;
        throw new InvalidOperationException("The repository root (PrecondFlow.slnx) was not found above the test folder.");
    }

    public void Dispose()
    {
        if (Directory.Exists(root))
            Directory.Delete(root, recursive: true);
        var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var cached = Path.Combine(cache, "precondflow", version);
        if (Directory.Exists(cached))
            Directory.Delete(cached, recursive: true);
    }
}
