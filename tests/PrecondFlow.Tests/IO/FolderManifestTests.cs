using System.Text.Json.Nodes;
using PrecondFlow.IO;

namespace PrecondFlow.Tests.IO;

/// <summary>The folder format itself: what Write records, what Read accepts and how it names what it rejects.</summary>
public sealed class FolderManifestTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("precondflow-manifest-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private sealed record Options(int Width, IReadOnlyList<int> Hidden);

    private sealed record Progress(int Step, string Note);

    private string Manifest => Path.Combine(folder, "thing.json");

    private void WriteThing()
    {
        File.WriteAllBytes(Path.Combine(folder, "a.bin"), [1, 2, 3]);
        File.WriteAllText(Path.Combine(folder, "b.bin"), "weights");
        FolderManifest.Write(folder, "thing.json", "thing", new Options(4, [8, 8]), new Progress(7, "half-way"), ["a.bin", "b.bin"]);
    }

    private void Edit(Action<JsonObject> edit)
    {
        var json = JsonNode.Parse(File.ReadAllText(Manifest))!.AsObject();
        edit(json);
        File.WriteAllText(Manifest, json.ToJsonString());
    }

    [Fact]
    public void WhatIsWrittenReadsBackWithTheChecksumOfEveryFile()
    {
        WriteThing();
        var manifest = FolderManifest.Read(folder, "thing.json", "thing");
        Assert.Equal(FolderManifest.CurrentVersion, manifest.Version);
        Assert.Equal("thing", manifest.Kind);
        Assert.Equal(new[] { 8, 8 }, manifest.Get<Options>("settings").Hidden);
        Assert.Equal(new Progress(7, "half-way"), manifest.State<Progress>());
        // SHA-256 of the bytes 01 02 03, computed independently.
        Assert.Equal("039058c6f2c0cb492c533b0a4d14ef77cc0f78abccced5287d84a1a2011cfb81", manifest.Files["a.bin"]);
        Assert.Equal(FolderManifest.Sha256(Path.Combine(folder, "b.bin")), manifest.Files["b.bin"]);
    }

    [Fact]
    public void AStateMayNotOverwriteTheManifestsOwnKeys()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            FolderManifest.Write(folder, "thing.json", "thing", new Options(1, []), new { Files = 3 }, []));
        Assert.Contains("'files'", e.Message);
    }

    [Fact]
    public void AListedFileOutsideTheFolderIsRejected()
    {
        WriteThing();
        Edit(json => json["files"]!["../a.bin"] = json["files"]!["a.bin"]!.DeepClone());
        var e = Assert.Throws<InvalidDataException>(() => FolderManifest.Read(folder, "thing.json", "thing"));
        Assert.Contains("'../a.bin'", e.Message);
    }

    [Fact]
    public void AMissingChecksumIsAcceptedOnlyInAVersion1Folder()
    {
        WriteThing();
        Edit(json => json["files"]!["a.bin"] = null);
        var e = Assert.Throws<InvalidDataException>(() => FolderManifest.Read(folder, "thing.json", "thing"));
        Assert.Contains("field 'files.a.bin' must be a SHA-256", e.Message);

        Edit(json => json["format_version"] = 1);
        var manifest = FolderManifest.Read(folder, "thing.json", "thing");
        Assert.Null(manifest.Files["a.bin"]);
        Assert.Equal(1, manifest.Version);
    }

    [Fact]
    public void AVersion1ManifestIsBroughtToTheCurrentLayoutByItsReader()
    {
        File.WriteAllText(Manifest, """{"format_version": 1, "width": 4, "hidden": [2]}""");
        var manifest = FolderManifest.Read(folder, "thing.json", "thing", old => new JsonObject
        {
            ["kind"] = "thing",
            ["settings"] = new JsonObject { ["width"] = old["width"]!.DeepClone(), ["hidden"] = old["hidden"]!.DeepClone() },
            ["files"] = new JsonObject(),
        });
        Assert.Equal(new[] { 2 }, manifest.Get<Options>("settings").Hidden);
        Assert.Equal(1, manifest.Version);
    }

    [Fact]
    public void AWrongTypeDeepInsideTheSettingsIsNamedByItsPath()
    {
        WriteThing();
        Edit(json => json["settings"]!["hidden"]![1] = "wide");
        var manifest = FolderManifest.Read(folder, "thing.json", "thing");
        var e = Assert.Throws<InvalidDataException>(() => manifest.Get<Options>("settings"));
        Assert.Contains($"{Manifest}: field 'settings.hidden[1]' has a value of the wrong type: \"wide\"", e.Message);
    }

    [Fact]
    public void AFolderWithoutItsManifestIsNotASavedFolder()
    {
        var e = Assert.Throws<FileNotFoundException>(() => FolderManifest.Read(folder, "thing.json", "thing"));
        Assert.Contains($"'{folder}' is not a saved thing", e.Message);
        Assert.Throws<DirectoryNotFoundException>(() => FolderManifest.Read(Path.Combine(folder, "absent"), "thing.json", "thing"));
    }
}
