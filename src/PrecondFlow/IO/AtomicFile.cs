namespace PrecondFlow.IO;

/// <summary>
/// Writes files so that a reader never sees a half-written one: the content goes to a temporary
/// file in the same folder, which is then renamed over the destination. A failure removes the
/// temporary file and leaves any previous version in place.
/// </summary>
public static class AtomicFile
{
    public static void Write(string path, Action<Stream> write)
    {
        var full = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(folder);
        var temp = Path.Combine(folder, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    public static void WriteAllText(string path, string text) =>
        Write(path, s =>
        {
            using var writer = new StreamWriter(s, leaveOpen: true);
            writer.Write(text);
        });

    public static void WriteAllBytes(string path, byte[] bytes) => Write(path, s => s.Write(bytes));

    /// <summary>
    /// Writes a whole folder atomically: <paramref name="fill"/> writes into a fresh sibling folder,
    /// which then replaces <paramref name="folder"/>. A failure leaves no trace.
    /// </summary>
    public static void WriteFolder(string folder, Action<string> fill)
    {
        var full = Path.GetFullPath(folder).TrimEnd(Path.DirectorySeparatorChar);
        var parent = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(parent);
        var staging = Path.Combine(parent, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        Directory.CreateDirectory(staging);
        try
        {
            fill(staging);
            if (Directory.Exists(full))
            {
                var old = staging + ".old";
                Directory.Move(full, old);
                Directory.Move(staging, full);
                Directory.Delete(old, recursive: true);
            }
            else
            {
                Directory.Move(staging, full);
            }
        }
        catch
        {
            if (Directory.Exists(staging))
                Directory.Delete(staging, recursive: true);
            throw;
        }
    }
}
