namespace PrecondFlow.IO;

/// <summary>
/// Writes files so that a reader never sees a half-written one: the content goes to a temporary
/// file in the same folder, which is then renamed over the destination. A failure removes the
/// temporary file and leaves any previous version in place. Errors name the destination, never the
/// temporary file.
/// </summary>
internal static class AtomicFile
{
    // The file-system calls that can fail part-way. Tests replace them to inject failures that a real file system
    // cannot be made to produce on demand (running as root, permissions are ignored).
    internal static Func<string, FileStream> CreateNewFile = path => new FileStream(path, FileMode.CreateNew, FileAccess.Write);
    internal static Action<string> CreateDirectory = path => Directory.CreateDirectory(path);
    internal static Action<string, string> MoveDirectory = Directory.Move;

    /// <summary>Writes <paramref name="path"/> atomically: <paramref name="write"/> fills a temporary file in the same folder
    /// (created if missing), which is flushed to disk and renamed over the destination.</summary>
    /// <param name="path">The destination file; an existing one is replaced.</param>
    /// <param name="write">Writes the content into the stream it is given; it must not dispose the stream.</param>
    /// <exception cref="IOException">The folder or the temporary file cannot be created; the message names the destination.
    /// An exception thrown by <paramref name="write"/> or by the rename propagates after the temporary file is removed.</exception>
    /// <exception cref="UnauthorizedAccessException">No permission to create the file in its folder.</exception>
    public static void Write(string path, Action<Stream> write)
    {
        var full = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(full)!;
        var temp = Path.Combine(folder, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        FileStream stream;
        try
        {
            CreateDirectory(folder);
            stream = CreateNewFile(temp);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw CannotWrite(full, folder, temp, e);
        }
        try
        {
            using (stream)
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

    /// <summary>Writes <paramref name="text"/> to <paramref name="path"/> atomically, as UTF-8 without a byte-order mark (see <see cref="Write"/>).</summary>
    /// <param name="path">The destination file; an existing one is replaced.</param>
    /// <param name="text">The whole content.</param>
    public static void WriteAllText(string path, string text) =>
        Write(path, s =>
        {
            using var writer = new StreamWriter(s, leaveOpen: true);
            writer.Write(text);
        });

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/> atomically (see <see cref="Write"/>).</summary>
    /// <param name="path">The destination file; an existing one is replaced.</param>
    /// <param name="bytes">The whole content.</param>
    public static void WriteAllBytes(string path, byte[] bytes) => Write(path, s => s.Write(bytes));

    /// <summary>
    /// Writes a whole folder atomically: <paramref name="fill"/> writes into a fresh sibling folder,
    /// which then replaces <paramref name="folder"/>. A failure leaves no trace: the previous folder, if
    /// any, is where it was, and the sibling is gone.
    /// </summary>
    public static void WriteFolder(string folder, Action<string> fill)
    {
        var full = Path.GetFullPath(folder).TrimEnd(Path.DirectorySeparatorChar);
        var parent = Path.GetDirectoryName(full)!;
        var staging = Path.Combine(parent, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            CreateDirectory(parent);
            CreateDirectory(staging);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw CannotWrite(full, parent, staging, e);
        }
        try
        {
            fill(staging);
            // Another process writing the same folder can swap its own in between our check and our move. Each such
            // race is detected and the swap tried again, so concurrent writers all complete and the last rename wins;
            // the bound only stops a pathological livelock.
            for (int attempt = 1; !TrySwap(full, staging); attempt++)
                if (attempt == MaxSwapAttempts)
                    throw new IOException($"Cannot write '{full}': other processes kept replacing it ({attempt} attempts).");
        }
        catch
        {
            if (Directory.Exists(staging))
                Directory.Delete(staging, recursive: true);
            throw;
        }
    }

    private const int MaxSwapAttempts = 100;

    /// <summary>Moves <paramref name="staging"/> to <paramref name="full"/>, replacing any folder there; false when
    /// another writer changed <paramref name="full"/> under us (try again), an exception for any other failure.</summary>
    private static bool TrySwap(string full, string staging)
    {
        switch (FolderExchange.TryPlace(full, staging))
        {
            case FolderExchange.Outcome.Done:
                DeleteLeftover(staging); // the previous folder, if there was one
                return true;
            case FolderExchange.Outcome.Raced:
                return false;
        }
        if (Directory.Exists(full))
            return Replace(full, staging);
        try
        {
            MoveDirectory(staging, full);
            return true;
        }
        catch (IOException) when (Directory.Exists(full))
        {
            return false; // someone else's folder arrived first: replace it
        }
    }

    /// <summary>Puts <paramref name="staging"/> in the place of the existing folder <paramref name="full"/>. A folder
    /// cannot be renamed over another, so the old one is moved aside first, and moved back if the second move fails.
    /// False when another writer moved <paramref name="full"/> away or put its own there in between.</summary>
    private static bool Replace(string full, string staging)
    {
        var old = staging + ".old";
        try
        {
            MoveDirectory(full, old);
        }
        catch (DirectoryNotFoundException)
        {
            // Another writer moved it aside first. Its own folder may already stand in the place by the time we look,
            // so the missing source alone decides: try again.
            return false;
        }
        catch (IOException) when (!Directory.Exists(full))
        {
            return false; // another writer moved it aside first
        }
        try
        {
            MoveDirectory(staging, full);
        }
        catch (IOException) when (Directory.Exists(full))
        {
            // Another writer's folder took the place: it is newer than the one we moved aside, which goes.
            Directory.Delete(old, recursive: true);
            return false;
        }
        catch
        {
            try
            {
                MoveDirectory(old, full);
            }
            catch (IOException) when (Directory.Exists(full))
            {
                // A third writer's folder arrived in between: it is newer than ours and the one we moved aside.
                Directory.Delete(old, recursive: true);
                return false;
            }
            throw;
        }
        DeleteLeftover(old);
        return true;
    }

    /// <summary>Removes the previous folder once the new one is in place. The write has succeeded by then: a hidden
    /// leftover of the old folder is no reason to report it as failed.</summary>
    private static void DeleteLeftover(string old)
    {
        try
        {
            if (Directory.Exists(old))
                Directory.Delete(old, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>The error of a failed create, told about the user's path: the temporary name means nothing to them.</summary>
    private static Exception CannotWrite(string destination, string folder, string temporary, Exception e)
    {
        var reason = e.Message.Replace(temporary, destination, StringComparison.Ordinal);
        return e is UnauthorizedAccessException
            ? new UnauthorizedAccessException($"Cannot write '{destination}': no permission to create it in '{folder}' ({reason}).", e)
            : new IOException($"Cannot write '{destination}': {reason}", e);
    }
}
