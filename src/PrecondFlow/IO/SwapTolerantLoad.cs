namespace PrecondFlow.IO;

/// <summary>
/// Loads a saved folder that another process may be saving over. A save swaps the whole folder in with two renames, so
/// a load that overlaps the swap can find the folder missing for an instant, or a manifest of one version beside a file
/// of the other (which its checksum refuses). Such a failure is retried once when the folder's manifest has changed
/// meanwhile; a folder that is really damaged fails the same way twice and is reported at once.
/// </summary>
internal static class SwapTolerantLoad
{
    public static T Run<T>(string folder, string manifestFile, Func<T> load)
    {
        var manifest = Path.Combine(folder, manifestFile);
        var before = Stamp(manifest);
        try
        {
            return load();
        }
        catch (Exception e) when (e is InvalidDataException or FileNotFoundException or DirectoryNotFoundException
                                  && Stamp(manifest) != before)
        {
            return load();
        }
    }

    /// <summary>What identifies one saved version of the manifest (a save writes a new file; the old one is renamed
    /// away with its folder), or null when it is not there.</summary>
    private static (DateTime, long)? Stamp(string file)
    {
        try
        {
            var info = new FileInfo(file);
            return info.Exists ? (info.LastWriteTimeUtc, info.Length) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
