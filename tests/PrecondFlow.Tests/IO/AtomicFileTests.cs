using PrecondFlow.IO;

namespace PrecondFlow.Tests.IO;

/// <summary>
/// AtomicFile's promise: a reader sees the old version or the new one, never a half-written one, and a failure leaves
/// the old version in place and nothing else behind. Failures that cannot be provoked on a real file system (the tests
/// may run as root, which ignores permissions) are injected through AtomicFile's internal file-system calls.
/// </summary>
public sealed class AtomicFileTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("precondflow-atomic-").FullName;
    private readonly Func<string, FileStream> createNewFile = AtomicFile.CreateNewFile;
    private readonly Action<string> createDirectory = AtomicFile.CreateDirectory;
    private readonly Action<string, string> moveDirectory = AtomicFile.MoveDirectory;
    private readonly bool exchange = FolderExchange.Enabled;

    public void Dispose()
    {
        FolderExchange.Enabled = exchange;
        AtomicFile.CreateNewFile = createNewFile;
        AtomicFile.CreateDirectory = createDirectory;
        AtomicFile.MoveDirectory = moveDirectory;
        Directory.Delete(root, recursive: true);
    }

    /// <summary>Everything under <see cref="root"/>, relative, hidden temporary files included.</summary>
    private string[] Entries() =>
        Directory.GetFileSystemEntries(root, "*", SearchOption.AllDirectories).Select(p => Path.GetRelativePath(root, p)).Order().ToArray();

    private string Folder(string name, params (string File, string Text)[] files)
    {
        var folder = Path.Combine(root, name);
        Directory.CreateDirectory(folder);
        foreach (var (file, text) in files)
            File.WriteAllText(Path.Combine(folder, file), text);
        return folder;
    }

    [Fact]
    public void WriteReplacesTheFileAndLeavesNoTemporaryFile()
    {
        var path = Path.Combine(root, "a.txt");
        AtomicFile.WriteAllText(path, "old");
        AtomicFile.WriteAllText(path, "new");
        Assert.Equal("new", File.ReadAllText(path));
        Assert.Equal(["a.txt"], Entries());
    }

    [Fact]
    public void AWriterThatFailsLeavesTheOldFileAndNoTemporaryFile()
    {
        var path = Path.Combine(root, "a.txt");
        AtomicFile.WriteAllText(path, "old");
        Assert.Throws<EndOfStreamException>(() => AtomicFile.Write(path, s =>
        {
            s.WriteByte(1);
            throw new EndOfStreamException("the source ran dry");
        }));
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Equal(["a.txt"], Entries());
    }

    [Fact]
    public void AnUnwritableFolderIsReportedWithTheUsersFileNameNotTheTemporaryOne()
    {
        var path = Path.Combine(root, "out", "samples.csv");
        AtomicFile.CreateNewFile = temp => throw new UnauthorizedAccessException($"Access to the path '{temp}' is denied.");
        var e = Assert.Throws<UnauthorizedAccessException>(() => AtomicFile.WriteAllText(path, "x"));
        Assert.Contains(path, e.Message);
        Assert.DoesNotContain(".tmp", e.Message);
        Assert.Equal(["out"], Entries());
    }

    [Fact]
    public void WriteFolderReplacesTheWholeFolder()
    {
        var folder = Folder("model", ("old.bin", "old"), ("kept-name.txt", "old"));
        AtomicFile.WriteFolder(folder, staging => File.WriteAllText(Path.Combine(staging, "kept-name.txt"), "new"));
        Assert.Equal(["model", Path.Combine("model", "kept-name.txt")], Entries());
        Assert.Equal("new", File.ReadAllText(Path.Combine(folder, "kept-name.txt")));
    }

    [Fact]
    public void WriteFolderCreatesAFolderThatDidNotExist()
    {
        var folder = Path.Combine(root, "deeper", "model");
        AtomicFile.WriteFolder(folder, staging => File.WriteAllText(Path.Combine(staging, "a.txt"), "new"));
        Assert.Equal("new", File.ReadAllText(Path.Combine(folder, "a.txt")));
        Assert.Equal(["deeper", Path.Combine("deeper", "model"), Path.Combine("deeper", "model", "a.txt")], Entries());
    }

    [Fact]
    public void AFillThatFailsLeavesTheOldFolderAndNoStagingFolder()
    {
        var folder = Folder("model", ("a.txt", "old"));
        Assert.Throws<InvalidOperationException>(() => AtomicFile.WriteFolder(folder, staging =>
        {
            File.WriteAllText(Path.Combine(staging, "a.txt"), "half");
            throw new InvalidOperationException("training diverged");
        }));
        Assert.Equal(["model", Path.Combine("model", "a.txt")], Entries());
        Assert.Equal("old", File.ReadAllText(Path.Combine(folder, "a.txt")));
    }

    [Fact]
    public void WhenTheNewFolderCannotBeMovedInTheOldOneIsPutBack()
    {
        // Where folders cannot be exchanged in one call, replacing takes two moves (old folder aside, new folder in);
        // the second one fails here.
        FolderExchange.Enabled = false;
        var folder = Folder("model", ("a.txt", "old"));
        int moves = 0;
        AtomicFile.MoveDirectory = (from, to) =>
        {
            if (++moves == 2)
                throw new IOException($"Injected failure moving '{from}' to '{to}'.");
            moveDirectory(from, to);
        };
        Assert.Throws<IOException>(() => AtomicFile.WriteFolder(folder, staging => File.WriteAllText(Path.Combine(staging, "a.txt"), "new")));
        Assert.Equal(["model", Path.Combine("model", "a.txt")], Entries());
        Assert.Equal("old", File.ReadAllText(Path.Combine(folder, "a.txt")));
    }

    [Fact]
    public void AnUnwritableParentFolderIsReportedWithTheUsersFolderName()
    {
        var folder = Path.Combine(root, "model");
        AtomicFile.CreateDirectory = path =>
        {
            if (path != root)
                throw new UnauthorizedAccessException($"Access to the path '{path}' is denied.");
        };
        var e = Assert.Throws<UnauthorizedAccessException>(() => AtomicFile.WriteFolder(folder, _ => { }));
        Assert.Contains(folder, e.Message);
        Assert.DoesNotContain(".tmp", e.Message);
        Assert.Empty(Entries());
    }
}
