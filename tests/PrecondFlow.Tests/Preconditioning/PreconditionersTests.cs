using System.Text.Json.Nodes;
using PrecondFlow.IO;
using PrecondFlow.Preconditioning;

namespace PrecondFlow.Tests.Preconditioning;

/// <summary>Loading saved preconditioners: every damaged folder gives an error that names the file.</summary>
public class PreconditionersTests
{
    private static void EditDescription(string folder, Action<JsonObject> edit)
    {
        var path = Path.Combine(folder, "preconditioner.json");
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(json);
        File.WriteAllText(path, json.ToJsonString());
    }

    [Fact]
    public void ANewerFormatVersionSaysItWasSavedByANewerPrecondFlow()
    {
        using var folder = new TempFolder();
        using (var p = PreconditionerCases.Fitted("whiten"))
            p.Save(folder.Path);
        EditDescription(folder.Path, json => json["format_version"] = FolderManifest.CurrentVersion + 1);
        var e = Assert.Throws<InvalidDataException>(() => Preconditioners.Load(folder.Path));
        Assert.Contains("preconditioner.json", e.Message);
        Assert.Contains($"format_version {FolderManifest.CurrentVersion + 1} was saved by a newer PrecondFlow", e.Message);
    }

    [Theory]
    [InlineData("whiten")]
    [InlineData("class-whiten")]
    [InlineData("realnvp")]
    public void ACorruptedWeightsFileIsNamed(string kind)
    {
        using var folder = new TempFolder();
        using (var p = PreconditionerCases.Fitted(kind))
            p.Save(folder.Path);
        var weights = folder["weights.bin"];
        var bytes = File.ReadAllBytes(weights);
        bytes[bytes.Length / 2] ^= 0x40;
        File.WriteAllBytes(weights, bytes);
        var e = Assert.Throws<InvalidDataException>(() => Preconditioners.Load(folder.Path));
        Assert.Contains(weights, e.Message);
        Assert.Contains("is corrupted", e.Message);
    }

    [Fact]
    public void AMissingWeightsFileIsNamed()
    {
        using var folder = new TempFolder();
        using (var p = PreconditionerCases.Fitted("realnvp"))
            p.Save(folder.Path);
        File.Delete(folder["weights.bin"]);
        var e = Assert.Throws<InvalidDataException>(() => Preconditioners.Load(folder.Path));
        Assert.Contains(folder["weights.bin"] + " is missing", e.Message);
    }

    [Fact]
    public void WeightsOfTheWrongShapeAreNamedEvenWithAMatchingChecksum()
    {
        using var folder = new TempFolder();
        using var other = new TempFolder();
        using (var p = PreconditionerCases.Fitted("realnvp"))
            p.Save(folder.Path);
        using (var p = PreconditionerCases.Fitted("realnvp", dim: 2))
            p.Save(other.Path);
        // Weights of a 2-D RealNVP under the description of a 3-D one, checksum updated to match.
        File.Copy(other["weights.bin"], folder["weights.bin"], overwrite: true);
        var hash = JsonNode.Parse(File.ReadAllText(other["preconditioner.json"]))!["files"]!["weights.bin"]!.GetValue<string>();
        EditDescription(folder.Path, json => json["files"]!["weights.bin"] = hash);
        var e = Assert.Throws<InvalidDataException>(() => Preconditioners.Load(folder.Path));
        Assert.Contains(folder["weights.bin"] + ": cannot be read as the weights of this realnvp", e.Message);
    }

    [Fact]
    public void AFolderWithoutADescriptionIsNotAPreconditioner()
    {
        using var folder = new TempFolder();
        var e = Assert.Throws<FileNotFoundException>(() => Preconditioners.Load(folder.Path));
        Assert.Contains("preconditioner.json does not exist", e.Message);
    }

    [Fact]
    public void AnUnknownKindListsTheKnownOnes()
    {
        using var folder = new TempFolder();
        using (var p = new IdentityPreconditioner(2))
            p.Save(folder.Path);
        EditDescription(folder.Path, json => json["kind"] = "glow");
        var e = Assert.Throws<InvalidDataException>(() => Preconditioners.Load(folder.Path));
        Assert.Contains("unknown preconditioner kind 'glow'", e.Message);
        Assert.Contains("whiten, class-whiten, realnvp", e.Message);
    }

    [Fact]
    public void AnInvalidSettingIsNamed()
    {
        using var folder = new TempFolder();
        using (var p = PreconditionerCases.Fitted("whiten"))
            p.Save(folder.Path);
        EditDescription(folder.Path, json => json["settings"]!["shrinkage"] = "lots");
        var e = Assert.Throws<InvalidDataException>(() => Preconditioners.Load(folder.Path));
        Assert.Contains("field 'settings.shrinkage' must be a number", e.Message);
    }

    [Fact]
    public void AChainSavesEachMemberInItsOwnFolder()
    {
        using var folder = new TempFolder();
        using (var p = PreconditionerCases.Fitted("chain"))
            p.Save(folder.Path);
        Assert.True(File.Exists(Path.Combine(folder["member-0"], "preconditioner.json")));
        Assert.True(File.Exists(Path.Combine(folder["member-1"], "weights.bin")));
        File.Delete(Path.Combine(folder["member-1"], "weights.bin"));
        var e = Assert.Throws<InvalidDataException>(() => Preconditioners.Load(folder.Path));
        Assert.Contains(Path.Combine(folder["member-1"], "weights.bin"), e.Message);
    }
}
