using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

/// <summary>
/// TorchSharp's native shim (libLibTorchSharp.so) is built with GCC 13 and therefore lists
/// GLIBCXX_3.4.32 among its required symbol versions, although the only symbol it takes from that
/// version (std::ios_base_library_init) has no relocation and is never called. Debian 12's
/// libstdc++ stops at 3.4.30, so the loader refuses the library. Marking that one version
/// requirement weak (VER_FLG_WEAK in .gnu.version_r) lets the loader accept the older libstdc++
/// while leaving systems with a newer one unaffected.
/// The task edits only the copies in the build or publish output (written through a temporary
/// file and a rename, so a hard link into the NuGet cache is never modified) and is idempotent.
/// </summary>
public sealed class WeakenGlibcxxRequirement : Task
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlgWeak = 0x2;
    private const string VersionName = "GLIBCXX_3.4.32";

    [Required]
    public ITaskItem[] Files { get; set; } = Array.Empty<ITaskItem>();

    public override bool Execute()
    {
        foreach (var item in Files)
        {
            var path = item.ItemSpec;
            if (!File.Exists(path))
                continue;
            try
            {
                var bytes = File.ReadAllBytes(path);
                var outcome = Patch(bytes);
                if (outcome == Outcome.Patched)
                {
                    var temp = path + ".patching";
                    File.WriteAllBytes(temp, bytes);
                    File.Delete(path); // a fresh inode: a hard link into the package cache stays untouched
                    File.Move(temp, path);
                    Log.LogMessage(MessageImportance.High,
                        $"PrecondFlow: marked the {VersionName} requirement of {Path.GetFileName(path)} weak so that it loads with Debian 12's libstdc++ ({path}).");
                }
                else if (outcome == Outcome.AlreadyWeak)
                {
                    Log.LogMessage(MessageImportance.Low, $"PrecondFlow: {path} already patched.");
                }
                else
                {
                    Log.LogMessage(MessageImportance.Low, $"PrecondFlow: {path} does not require {VersionName}; nothing to do.");
                }
            }
            catch (Exception e) when (e is IOException or InvalidDataException or ArgumentOutOfRangeException)
            {
                Log.LogError($"PrecondFlow: could not patch {path}: {e.Message}");
                return false;
            }
        }
        return !Log.HasLoggedErrors;
    }

    private enum Outcome { Patched, AlreadyWeak, NotNeeded }

    private static Outcome Patch(byte[] elf)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            throw new InvalidDataException("not an ELF file");
        if (elf[4] != 2 || elf[5] != 1)
            throw new InvalidDataException("expected a 64-bit little-endian ELF file");

        ulong shoff = U64(elf, 0x28);
        ushort shentsize = U16(elf, 0x3A);
        ushort shnum = U16(elf, 0x3C);
        for (int i = 0; i < shnum; i++)
        {
            int sh = checked((int)shoff + i * shentsize);
            if (U32(elf, sh + 4) != ShtGnuVerneed)
                continue;
            int offset = checked((int)U64(elf, sh + 24));
            uint link = U32(elf, sh + 40);
            uint count = U32(elf, sh + 44);
            int strtab = checked((int)U64(elf, checked((int)shoff + (int)link * shentsize) + 24));

            int verneed = offset;
            for (uint n = 0; n < count; n++)
            {
                ushort auxCount = U16(elf, verneed + 2);
                int aux = verneed + (int)U32(elf, verneed + 8);
                for (int a = 0; a < auxCount; a++)
                {
                    if (ReadName(elf, strtab + (int)U32(elf, aux + 8)) == VersionName)
                    {
                        ushort flags = U16(elf, aux + 4);
                        if ((flags & VerFlgWeak) != 0)
                            return Outcome.AlreadyWeak;
                        flags |= VerFlgWeak;
                        elf[aux + 4] = (byte)(flags & 0xff);
                        elf[aux + 5] = (byte)(flags >> 8);
                        return Outcome.Patched;
                    }
                    aux += (int)U32(elf, aux + 12);
                }
                verneed += (int)U32(elf, verneed + 12);
            }
        }
        return Outcome.NotNeeded;
    }

    private static ushort U16(byte[] b, int o) => BitConverter.ToUInt16(b, o);
    private static uint U32(byte[] b, int o) => BitConverter.ToUInt32(b, o);
    private static ulong U64(byte[] b, int o) => BitConverter.ToUInt64(b, o);

    private static string ReadName(byte[] b, int o)
    {
        int end = Array.IndexOf(b, (byte)0, o);
        return Encoding.ASCII.GetString(b, o, end - o);
    }
}
