using System.Runtime.InteropServices;

namespace PrecondFlow.IO;

/// <summary>
/// Puts a folder in the place of another in one system call where the operating system has one (Linux's
/// <c>renameat2</c>): an existing folder is exchanged with the new one atomically, a missing one is created by a rename
/// that refuses to replace. Readers never see the place empty, and writers racing for it cannot undo each other's
/// checks, because there are none.
/// </summary>
internal static class FolderExchange
{
    /// <summary>What one attempt did.</summary>
    internal enum Outcome
    {
        /// <summary>The new folder is in place; the previous one, if any, now sits at the staging path.</summary>
        Done,
        /// <summary>Another writer changed the place in between: try again.</summary>
        Raced,
        /// <summary>This file system or platform cannot exchange folders: use the two-move replacement.</summary>
        Unsupported,
    }

    /// <summary>Whether the atomic exchange is tried at all (Linux only). Tests turn it off to reach the two-move
    /// replacement that other platforms use.</summary>
    internal static bool Enabled = OperatingSystem.IsLinux();

    private const int AtCurrentDirectory = -100;
    private const uint NoReplace = 1, Exchange = 2;
    private const int NoSuchEntry = 2, Exists = 17, Invalid = 22, NotImplemented = 38, NotEmpty = 39;

    /// <summary>Moves <paramref name="staging"/> to <paramref name="full"/>: exchanged with the folder there, or renamed
    /// into the empty place.</summary>
    /// <exception cref="IOException">Any failure other than a race or a missing capability; it names <paramref name="full"/>.</exception>
    internal static Outcome TryPlace(string full, string staging)
    {
        if (!Enabled)
            return Outcome.Unsupported;
        int error;
        try
        {
            if (RenameAt2(AtCurrentDirectory, staging, AtCurrentDirectory, full, Exchange) == 0)
                return Outcome.Done;
            error = Marshal.GetLastPInvokeError();
            if (error == NoSuchEntry)
            {
                if (RenameAt2(AtCurrentDirectory, staging, AtCurrentDirectory, full, NoReplace) == 0)
                    return Outcome.Done;
                error = Marshal.GetLastPInvokeError();
                if (error is Exists or NotEmpty)
                    return Outcome.Raced;
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return Outcome.Unsupported;
        }
        if (error is Invalid or NotImplemented)
            return Outcome.Unsupported;
        if (error == NoSuchEntry)
            return Outcome.Raced; // the place emptied and filled again between the two calls
        throw new IOException($"Cannot write '{full}': {Marshal.GetPInvokeErrorMessage(error)}.");
    }

    [DllImport("libc", EntryPoint = "renameat2", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false)]
    private static extern int RenameAt2(int oldDirectory, string oldPath, int newDirectory, string newPath, uint flags);
}
