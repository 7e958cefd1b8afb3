using PrecondFlow.Data.Toy;
using PrecondFlow.IO;
using PrecondFlow.Pipeline;
using PrecondFlow.Training;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace PrecondFlow.Tests.IO;

/// <summary>
/// Writers of the same output folder at once (runs given the same --out) all complete, and the last rename
/// wins: the folder is always one writer's complete folder, and no staging folder is left behind. A reader loading a
/// model while it is saved over sees one of the two versions exactly, or fails cleanly; never a mix. Threads stand in
/// for processes: the folder swap is the same rename system calls either way.
/// </summary>
public sealed class ConcurrentWritersTests(ITestOutputHelper output) : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("precondflow-concurrent-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public void WritersOfTheSameFolderAllCompleteAndTheLastRenameWins()
    {
        var folder = Path.Combine(root, "out");
        const int writerCount = 4, writes = 250;
        var errors = new List<Exception>();
        var writers = Enumerable.Range(0, writerCount).Select(w => new Thread(() =>
        {
            for (int i = 0; i < writes; i++)
            {
                var tag = $"writer {w}, write {i}";
                try
                {
                    AtomicFile.WriteFolder(folder, staging =>
                    {
                        File.WriteAllText(Path.Combine(staging, "a.txt"), tag);
                        File.WriteAllText(Path.Combine(staging, "b.txt"), tag);
                    });
                }
                catch (Exception e)
                {
                    lock (errors)
                        errors.Add(e);
                }
            }
        })).ToList();
        writers.ForEach(t => t.Start());
        writers.ForEach(t => t.Join());

        Assert.Empty(errors);
        Assert.Equal(File.ReadAllText(Path.Combine(folder, "a.txt")), File.ReadAllText(Path.Combine(folder, "b.txt")));
        Assert.Equal(["out"], Directory.GetFileSystemEntries(root).Select(p => Path.GetFileName(p)!).ToArray());
        output.WriteLine($"{writerCount * writes} concurrent writes, all completed; the folder holds '{File.ReadAllText(Path.Combine(folder, "a.txt"))}'");
    }

    [Fact]
    public void AModelLoadedWhileAnotherVersionIsSavedOverItIsOneVersionExactlyOrAFailure()
    {
        var folder = Path.Combine(root, "model");
        var data = ToyDatasets.Create("swiss-roll", 256, seed: 1);
        var fixture = Path.Combine(AppContext.BaseDirectory, "Fixtures", "v0.1.0", "model");
        using var a = Checkpoint.Load(fixture, CPU);
        using var b = Checkpoint.Load(fixture, CPU);
        using (no_grad())
            foreach (var p in b.Ema!.Average.parameters())
                p.mul_(2);
        Checkpoint.Save(folder, a);
        float[] First(TorchSharp.torch.nn.Module m) => m.parameters().First().data<float>().ToArray();
        var versions = new[] { First(a.Ema!.Average), First(b.Ema!.Average) };

        int[] seen = new int[2];
        int failures = 0, mixes = 0, loads = 0;
        var other = new List<Exception>();
        using var stop = new CancellationTokenSource();
        var writer = new Thread(() =>
        {
            for (int i = 0; !stop.IsCancellationRequested; i++)
                Checkpoint.Save(folder, i % 2 == 0 ? b : a);
        });
        writer.Start();
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (DateTime.UtcNow < until)
        {
            loads++;
            try
            {
                var (field, _) = Checkpoint.LoadField(folder, CPU);
                using (field)
                {
                    var weights = First(field);
                    int match = Array.FindIndex(versions, v => v.AsSpan().SequenceEqual(weights));
                    if (match < 0)
                        mixes++;
                    else
                        seen[match]++;
                }
            }
            catch (Exception e) when (e is InvalidDataException or FileNotFoundException or DirectoryNotFoundException)
            {
                failures++;
            }
            catch (Exception e)
            {
                other.Add(e);
            }
        }
        stop.Cancel();
        writer.Join();
        output.WriteLine($"{loads} loads while saving: {seen[0]} version A, {seen[1]} version B, {failures} clean failures, {mixes} mixed, {other.Count} other");
        Assert.Empty(other);
        Assert.Equal(0, mixes);
    }
}
