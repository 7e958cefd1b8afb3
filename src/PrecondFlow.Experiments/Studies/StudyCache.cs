using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using PrecondFlow.Data;
using PrecondFlow.Experiments.Studies.Internal;
using PrecondFlow.IO;
using static TorchSharp.torch;

namespace PrecondFlow.Experiments.Studies;

/// <summary>
/// Keeps every finished unit of a convergence study (one learning-rate trial of an arm; one seed of an arm) in a folder, so
/// that an interrupted or repeated study computes only what is missing and ends with the same numbers. An entry is keyed by
/// a hash of everything that determines it: the study's options, the data (points, labels, source points, description),
/// the device and the unit's identity (arm, rate, seed); different settings never reuse an entry.
/// <c>&lt;folder&gt;/study/&lt;kind&gt;-&lt;key&gt;/</c> holds <c>result.json</c> (the numbers) and <c>entry.json</c>, a
/// <see cref="FolderManifest"/> recording what the entry was made from and the SHA-256 of result.json. Each entry is
/// written atomically (<see cref="AtomicFile.WriteFolder"/>): a killed run leaves no half-written entry, only at most a
/// hidden staging folder that is never read. A damaged entry fails with the name of the damaged file.
/// </summary>
public sealed class StudyCache
{
    /// <summary>Bump when what an entry holds, or how a unit is computed, changes: old entries are then ignored.</summary>
    public const int FormatVersion = 1;

    /// <summary>The manifest's kind for a learning-rate trial.</summary>
    public const string TrialKind = "study-trial";

    /// <summary>The manifest's kind for one seed of an arm.</summary>
    public const string SeedKind = "study-seed";

    private const string EntryFile = "entry.json";
    private const string ResultFile = "result.json";

    /// <summary>A cache in <paramref name="folder"/> (created when the first entry is written).</summary>
    /// <param name="folder">The cache folder; entries go to its sub-folder <c>study</c>.</param>
    public StudyCache(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        Folder = Path.Combine(folder, "study");
    }

    /// <summary>The folder holding the entries.</summary>
    public string Folder { get; }

    /// <summary>What an entry was made from: the study's key and the unit's identity.</summary>
    private sealed record EntrySettings(string Study, string Arm, double LearningRate, long? Seed);

    /// <summary>The key of a study: a hash of its options, its data and the device, which decide every unit's result.</summary>
    internal static string StudyKey(StudyOptions options, StudyData data, Device device) =>
        Hash(Json.Serialize(new
        {
            format = FormatVersion,
            options,
            data = new
            {
                description = data.Description,
                curve = data.Curve?.GetType().FullName,
                points = Fingerprint(data.Points),
                source = data.Source is { } source ? Fingerprint(source) : null,
            },
            device = device.ToString(),
        }));

    /// <summary>The cached trial of <paramref name="arm"/> at <paramref name="rate"/>, or null when none was finished.</summary>
    /// <exception cref="InvalidDataException">The entry is damaged; the message names the file.</exception>
    internal LearningRateTrial? FindTrial(string study, string arm, double rate) =>
        Find<LearningRateTrial>(TrialKind, new EntrySettings(study, arm, rate, null));

    /// <summary>Saves a finished learning-rate trial.</summary>
    internal void SaveTrial(string study, LearningRateTrial trial) =>
        Save(TrialKind, new EntrySettings(study, trial.Arm, trial.LearningRate, null), trial);

    /// <summary>The cached run of one seed of an arm, or null when none was finished.</summary>
    /// <exception cref="InvalidDataException">The entry is damaged; the message names the file.</exception>
    internal SeedOutcome? FindSeed(string study, string arm, double rate, long seed) =>
        Find<SeedOutcome>(SeedKind, new EntrySettings(study, arm, rate, seed));

    /// <summary>Saves a finished seed of an arm.</summary>
    internal void SaveSeed(string study, string arm, double rate, long seed, SeedOutcome outcome) =>
        Save(SeedKind, new EntrySettings(study, arm, rate, seed), outcome);

    private T? Find<T>(string kind, EntrySettings settings) where T : class
    {
        var folder = EntryFolder(kind, settings);
        // The manifest is written last inside the staging folder, which then replaces the entry whole: a folder with a
        // manifest is complete, and staging folders (.<name>.<guid>.tmp) are never looked at.
        if (!File.Exists(Path.Combine(folder, EntryFile)))
            return null;
        var entry = FolderManifest.Read(folder, EntryFile, "study cache entry");
        entry.RequireKind(kind);
        entry.RequireSettings(settings);
        return Json.ReadFile<T>(entry.File(ResultFile));
    }

    private void Save<T>(string kind, EntrySettings settings, T result) =>
        AtomicFile.WriteFolder(EntryFolder(kind, settings), staging =>
        {
            Json.WriteFile(Path.Combine(staging, ResultFile), result);
            FolderManifest.Write(staging, EntryFile, kind, settings, state: null, [ResultFile]);
        });

    private string EntryFolder(string kind, EntrySettings settings) =>
        Path.Combine(Folder, $"{kind["study-".Length..]}-{Hash(Json.Serialize(new { kind, settings }))}");

    /// <summary>SHA-256 of a point cloud's values, labels, shape and class count.</summary>
    private static string Fingerprint(PointCloud points)
    {
        using var scope = NewDisposeScope();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var values = points.Points.detach().cpu().to(ScalarType.Float64).contiguous();
        hash.AppendData(Encoding.UTF8.GetBytes($"{points.Count}x{points.Dim}, {points.NumClasses} classes;"));
        hash.AppendData(MemoryMarshal.AsBytes(values.data<double>().ToArray().AsSpan()));
        if (points.Labels is { } labels)
            hash.AppendData(MemoryMarshal.AsBytes(labels.cpu().to(ScalarType.Int64).contiguous().data<long>().ToArray().AsSpan()));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
}
