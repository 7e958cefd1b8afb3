using System.Diagnostics;
using System.Text.Json.Nodes;
using PrecondFlow.Data.Images;
using PrecondFlow.Data.Toy;
using PrecondFlow.Experiments.Images;
using PrecondFlow.Images;
using PrecondFlow.Pipeline;
using PrecondFlow.Preconditioning;
using PrecondFlow.Tests.Cli;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.IO;

/// <summary>
/// Every file of a saved folder (model, preconditioner, table2 cache entry) is damaged in every way a disk, a copy or a
/// hand edit can damage it: truncated at seeded random offsets, a seeded random bit flipped, deleted, replaced by a
/// directory; and every manifest gets a key removed, a value of the wrong type, a newer format version. Loading then
/// fails with the documented exception (<see cref="InvalidDataException"/>, or <see cref="FileNotFoundException"/> /
/// <see cref="DirectoryNotFoundException"/> for a missing manifest) whose message names the damaged folder, within a
/// time limit; never another exception, a hang, or a load that silently succeeds. The few faults that may load are
/// named in <see cref="MayLoad"/>, with the reason.
/// </summary>
public sealed class FaultInjectionTests(FaultInjectionTests.Folders folders, ITestOutputHelper output)
    : IClassFixture<FaultInjectionTests.Folders>
{
    private const int Truncations = 6;
    private const int Flips = 6;
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    /// <summary>The pristine folders, built once for the class; each case damages a fresh copy.</summary>
    public sealed class Folders : IDisposable
    {
        public string Root { get; } = Directory.CreateTempSubdirectory("precondflow-faults-").FullName;
        public string Model { get; }
        public string Cache { get; }
        public ImageDataSplit Images { get; } = TinyImages();
        public Table2Options Table2 { get; } = Table2Options.For("mnist", ImageBudget.Quick) with
        {
            Classifier = new ClassifierOptions { Epochs = 1, MinimumSteps = 0, BatchSize = 32, Channels = 2, Features = 4 },
            Vae = new VaeOptions { Epochs = 1, BatchSize = 32, Channels = 2, LatentDim = 4, WarmupSteps = 0 },
        };

        public Folders()
        {
            Model = Path.Combine(Root, "model");
            var data = ToyDatasets.Create("swiss-roll", 256, seed: 1);
            using (var model = PreconditionedModel.Resume(Path.Combine(AppContext.BaseDirectory, "Fixtures", "v0.1.0", "model"), data, CPU))
                model.Save(Model);
            Cache = Path.Combine(Root, "cache");
            ImageNetworkCache.Prepare(Images, Table2, Cache, CPU).Dispose();
        }

        public void Dispose() => Directory.Delete(Root, recursive: true);

        private static ImageDataSplit TinyImages()
        {
            ImageData Make(int n, int seed)
            {
                var random = new Random(seed);
                var pixels = new float[n * 28 * 28];
                for (int i = 0; i < pixels.Length; i++)
                    pixels[i] = (float)random.NextDouble();
                return new ImageData(28, 28, pixels, Enumerable.Range(0, n).Select(i => i % 2).ToArray(), ["zero", "one"]);
            }
            return new ImageDataSplit("tiny", Make(64, 1), Make(32, 2), "random pixels");
        }
    }

    /// <summary>One damage: a description for the report, and what it does to a copied folder.</summary>
    private sealed record Fault(string Kind, string File, string Detail, Action<string> Apply);

    private enum Outcome { CleanError, Loaded, OtherException, Hang }

    [Fact]
    public void EveryDamagedModelFolderFailsCleanly() =>
        Check("model", folders.Model, folder => PreconditionedModel.Load(folder, CPU).Dispose());

    [Fact]
    public void EveryDamagedPreconditionerFolderFailsCleanly() =>
        Check("preconditioner", Path.Combine(folders.Model, PreconditionedModel.PreconditionerFolder),
            folder => Preconditioners.Load(folder).Dispose());

    [Fact]
    public void EveryDamagedTable2CacheEntryFailsCleanlyOrIsRecomputed() =>
        Check("table2 cache", folders.Cache,
            folder => ImageNetworkCache.Prepare(folders.Images, folders.Table2, folder, CPU).Dispose());

    [Fact]
    public void TheCommandLineReportsEveryDamagedModelFileInOneLineWithExitCode2()
    {
        // One truncation, one flip, the deletion and the directory of every file the loader must refuse: sample exits 2,
        // prints one line naming the folder, writes nothing.
        var faults = FaultsFor(folders.Model)
            .Where(f => f.Kind is "deleted" or "directory" or "truncated" or "bit flip" && !MayLoad(f))
            .GroupBy(f => (f.Kind, f.File)).Select(g => g.First()).ToList();
        int index = 0;
        var failures = new List<string>();
        foreach (var fault in faults)
        {
            var copy = Path.Combine(folders.Root, $"cli-{index++}", "model");
            CopyFolder(folders.Model, copy);
            fault.Apply(copy);
            var samples = Path.Combine(folders.Root, $"cli-{index}.csv");
            var outcome = CliRunner.Run("sample", "--model", copy, "--count", "10", "--out", samples);
            if (outcome.ExitCode != 2 || outcome.Error.Trim().Split('\n').Length != 1 || !outcome.Error.Contains(copy) || File.Exists(samples))
                failures.Add($"{fault.Kind} {fault.File} {fault.Detail}: exit {outcome.ExitCode}: {outcome.Error}");
            Directory.Delete(Path.GetDirectoryName(copy)!, recursive: true);
        }
        output.WriteLine($"command line: {faults.Count} damaged model folders, {faults.Count - failures.Count} refused in one line with exit code 2");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    /// <summary>
    /// Faults after which a successful load is correct. A manifest carries no checksum of its own (it holds those of the
    /// other files, and may be edited by hand), so a bit flip that turns a digit into another digit of an informational
    /// field (seconds, a loss value) still parses; a cache entry without its manifest is an unfinished entry, which
    /// Prepare computes again; a key that has a default may be missing.
    /// </summary>
    private static bool MayLoad(Fault fault) =>
        (fault.Kind == "bit flip" && fault.File.EndsWith(".json", StringComparison.Ordinal))
        || (fault.File.EndsWith("entry.json", StringComparison.Ordinal) && fault.Kind is "deleted" or "directory")
        || (fault.Kind is "missing key" or "wrong type" && fault.Detail.EndsWith("(optional)", StringComparison.Ordinal));

    private void Check(string what, string pristine, Action<string> load)
    {
        var faults = FaultsFor(pristine).ToList();
        var counts = new Dictionary<(string Kind, Outcome Outcome), int>();
        var failures = new List<string>();
        var clock = Stopwatch.StartNew();
        int index = 0;
        foreach (var fault in faults)
        {
            var copy = Path.Combine(folders.Root, $"case-{what.Replace(' ', '-')}-{index++}", Path.GetFileName(pristine));
            CopyFolder(pristine, copy);
            fault.Apply(copy);
            var (outcome, message) = Run(() => load(copy));
            counts[(fault.Kind, outcome)] = counts.GetValueOrDefault((fault.Kind, outcome)) + 1;
            bool named = message.Contains(Path.GetDirectoryName(copy)!, StringComparison.Ordinal);
            if (outcome == Outcome.CleanError && !named)
                failures.Add($"{fault.Kind} {fault.File} {fault.Detail}: the error does not name the folder: {message}");
            else if (outcome is Outcome.OtherException or Outcome.Hang || (outcome == Outcome.Loaded && !MayLoad(fault)))
                failures.Add($"{fault.Kind} {fault.File} {fault.Detail}: {outcome} {message}");
            if (outcome != Outcome.Hang)
                Directory.Delete(Path.GetDirectoryName(copy)!, recursive: true);
        }
        output.WriteLine($"{what}: {faults.Count} faults in {clock.Elapsed.TotalSeconds:0.0} s");
        foreach (var ((kind, outcome), n) in counts.OrderBy(c => c.Key.Kind))
            output.WriteLine($"  {kind,-16} {outcome,-14} {n}");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    private static (Outcome, string) Run(Action load)
    {
        var task = Task.Run(load);
        try
        {
            if (!task.Wait(Limit))
                return (Outcome.Hang, "");
            return (Outcome.Loaded, "");
        }
        catch (AggregateException a) when (a.InnerException is { } e)
        {
            return e is InvalidDataException or FileNotFoundException or DirectoryNotFoundException
                ? (Outcome.CleanError, e.Message)
                : (Outcome.OtherException, e.ToString());
        }
    }

    /// <summary>Every fault of every file under <paramref name="folder"/>; offsets and bits drawn from a seed per file.</summary>
    private static IEnumerable<Fault> FaultsFor(string folder)
    {
        foreach (var file in Directory.GetFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var name = Path.GetRelativePath(folder, file);
            long length = new FileInfo(file).Length;
            var random = new Random(Seed(name));
            for (int i = 0; i < Truncations; i++)
            {
                long keep = random.NextInt64(0, length);
                yield return new Fault("truncated", name, $"to {keep} bytes", f =>
                {
                    using var stream = new FileStream(Path.Combine(f, name), FileMode.Open);
                    stream.SetLength(keep);
                });
            }
            for (int i = 0; i < Flips; i++)
            {
                long at = random.NextInt64(0, length);
                int bit = random.Next(8);
                yield return new Fault("bit flip", name, $"byte {at} bit {bit}", f =>
                {
                    using var stream = new FileStream(Path.Combine(f, name), FileMode.Open);
                    stream.Position = at;
                    int b = stream.ReadByte();
                    stream.Position = at;
                    stream.WriteByte((byte)(b ^ (1 << bit)));
                });
            }
            yield return new Fault("deleted", name, "", f => File.Delete(Path.Combine(f, name)));
            yield return new Fault("directory", name, "", f =>
            {
                File.Delete(Path.Combine(f, name));
                Directory.CreateDirectory(Path.Combine(f, name));
            });
            if (!name.EndsWith(".json", StringComparison.Ordinal) || !IsManifest(file))
                continue;
            yield return new Fault("newer version", name, "format_version 99", f => EditJson(Path.Combine(f, name), j => j["format_version"] = 99));
            foreach (var (path, node) in Keys(JsonNode.Parse(File.ReadAllText(file))!.AsObject(), []))
            {
                var detail = Optional(path) ? $"{string.Join('/', path)} (optional)" : string.Join('/', path);
                yield return new Fault("missing key", name, detail, f => EditJson(Path.Combine(f, name), j => Remove(j, path)));
                yield return new Fault("wrong type", name, detail, f => EditJson(Path.Combine(f, name), j => Replace(j, path, WrongType(node))));
            }
        }
    }

    /// <summary>
    /// Keys that may be missing or of any type: values derived from others and written for the reader's eyes (a total
    /// of stage times, whether a fit passed, a parameter count, whitening's "fitted", which its weights imply), and the
    /// training settings of an image network, whose options have defaults and do not shape the network (a key that
    /// does shape it fails when the weights are loaded), and the state of a field's own training generator, which only a
    /// network that draws while training (a UNet's dropout) has and needs, on resume (its absence there is an error).
    /// </summary>
    private static bool Optional(string[] path) =>
        path is ["times", "total_seconds"] or ["preconditioner_fit", "passed"] or ["settings", "parameters"]
        || path is ["field_generator_state"]
        || path is ["settings", "fitted"]
        || path is ["settings", "epochs" or "minimum_steps" or "batch_size" or "learning_rate" or "weight_decay" or "augment"
            or "shift_pixels" or "label_smoothing" or "dropout" or "classes" or "log_every" or "blocks_per_resolution"
            or "warmup_steps" or "gradient_clip" or "kl_weight" or "perceptual_weight"];

    private static int Seed(string name) => name.Aggregate(17, (h, c) => unchecked(h * 31 + c));

    private static bool IsManifest(string file) =>
        JsonNode.Parse(File.ReadAllText(file)) is JsonObject o && o.ContainsKey("format_version");

    /// <summary>Every key of the manifest down to two levels (arrays are values, not walked).</summary>
    private static IEnumerable<(string[] Path, JsonNode? Node)> Keys(JsonObject json, string[] prefix)
    {
        foreach (var (key, value) in json)
        {
            string[] path = [.. prefix, key];
            yield return (path, value);
            if (value is JsonObject inner && prefix.Length == 0)
                foreach (var nested in Keys(inner, path))
                    yield return nested;
        }
    }

    private static JsonNode WrongType(JsonNode? node) => node switch
    {
        JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.String => JsonValue.Create(12345),
        JsonValue => JsonValue.Create("not a number"),
        JsonObject => new JsonArray(1, 2),
        _ => new JsonObject { ["unexpected"] = true },
    };

    private static (JsonObject Parent, string Key) Locate(JsonObject root, string[] parts)
    {
        var parent = root;
        foreach (var part in parts[..^1])
            parent = parent[part]!.AsObject();
        return (parent, parts[^1]);
    }

    private static void Remove(JsonObject root, string[] path)
    {
        var (parent, key) = Locate(root, path);
        parent.Remove(key);
    }

    private static void Replace(JsonObject root, string[] path, JsonNode value)
    {
        var (parent, key) = Locate(root, path);
        parent[key] = value;
    }

    private static void EditJson(string file, Action<JsonObject> edit)
    {
        var json = JsonNode.Parse(File.ReadAllText(file))!.AsObject();
        edit(json);
        File.WriteAllText(file, json.ToJsonString());
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (var folder in Directory.GetDirectories(from))
            CopyFolder(folder, Path.Combine(to, Path.GetFileName(folder)));
    }
}
