using System.Text.Json.Nodes;
using PrecondFlow.Experiments.Images;
using PrecondFlow.Pipeline;
using PrecondFlow.Training;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.IO;

/// <summary>
/// The faults that <see cref="FaultInjectionTests"/> found loading without complaint, each kept as its smallest case:
/// a manifest whose list of files leaves one out (its checksum went unchecked), a pipeline that lost its manifest (it
/// sampled without its preconditioner), a cache entry whose recorded settings were edited (it was reused as is).
/// </summary>
public sealed class FaultInjectionFindingsTests(FaultInjectionTests.Folders folders) : IClassFixture<FaultInjectionTests.Folders>, IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("precondflow-findings-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    private string Copy(string pristine)
    {
        var to = Path.Combine(root, Path.GetFileName(pristine));
        foreach (var file in Directory.GetFiles(pristine, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(pristine, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        return to;
    }

    private static void EditJson(string file, Action<JsonObject> edit)
    {
        var json = JsonNode.Parse(File.ReadAllText(file))!.AsObject();
        edit(json);
        File.WriteAllText(file, json.ToJsonString());
    }

    [Theory]
    [InlineData("field.bin")]
    [InlineData("ema.bin")]
    [InlineData("optimizer.bin")]
    public void AWeightsFileLeftOutOfTheManifestIsRefused(string name)
    {
        // Left out, ema.bin was not sampled from (the raw weights were, silently) and field.bin went unchecked.
        var folder = Copy(folders.Model);
        var manifest = Path.Combine(folder, Checkpoint.ManifestFile);
        EditJson(manifest, json => json["files"]!.AsObject().Remove(name));
        var e = Assert.Throws<InvalidDataException>(() => PreconditionedModel.Load(folder, CPU).Dispose());
        Assert.Contains($"{manifest}: field 'files' does not list {name}", e.Message);
    }

    [Fact]
    public void APipelineWithoutItsManifestIsRefusedRatherThanLoadedWithoutItsPreconditioner()
    {
        var folder = Copy(folders.Model);
        File.Delete(Path.Combine(folder, PreconditionedModel.ManifestFile));
        var e = Assert.Throws<InvalidDataException>(() => PreconditionedModel.Load(folder, CPU).Dispose());
        Assert.Contains($"{PreconditionedModel.ManifestFile} is missing, but the folder holds a preconditioner", e.Message);
    }

    [Fact]
    public void ACacheEntryWhoseRecordedSettingsWereEditedIsNotReused()
    {
        var cache = Copy(folders.Cache);
        var entry = Directory.GetFiles(cache, "entry.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal).First();
        EditJson(entry, json => json["settings"]!["network_seed"] = 12345);
        var e = Assert.Throws<InvalidDataException>(() =>
            ImageNetworkCache.Prepare(folders.Images, folders.Table2, cache, CPU).Dispose());
        Assert.Contains($"{entry}: field 'settings' does not match", e.Message);
    }
}
