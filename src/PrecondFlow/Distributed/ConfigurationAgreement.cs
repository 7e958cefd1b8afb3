using System.Text;

namespace PrecondFlow.Distributed;

/// <summary>
/// Checks at start that every process of a run was given the same configuration: each process's settings (one
/// "name=value" each) are gathered and compared with rank 0's, and a difference is an error that names the setting.
/// </summary>
public static class ConfigurationAgreement
{
    /// <summary>Compares <paramref name="settings"/> of every process with those of rank 0.</summary>
    /// <param name="communicator">The processes of the run.</param>
    /// <param name="settings">This process's settings, one "name=value" per entry.</param>
    /// <exception cref="ArgumentException">Some process has other settings; the message names each difference.</exception>
    public static void Check(ICommunicator communicator, IReadOnlyList<string> settings)
    {
        if (communicator.WorldSize == 1)
            return;
        var gathered = communicator.AllGather(Encoding.UTF8.GetBytes(string.Join('\n', settings)));
        var reference = Parse(gathered[0]);
        var differences = new List<string>();
        for (int rank = 1; rank < gathered.Length; rank++)
        {
            var other = Parse(gathered[rank]);
            foreach (var name in reference.Keys.Union(other.Keys).Order(StringComparer.Ordinal))
            {
                var mine = reference.GetValueOrDefault(name);
                var theirs = other.GetValueOrDefault(name);
                if (mine != theirs)
                    differences.Add($"{name}: rank 0 has {Quote(mine)}, rank {rank} has {Quote(theirs)}");
            }
        }
        if (differences.Count > 0)
            throw new ArgumentException(
                $"The processes of this run were started with different arguments ({string.Join("; ", differences)}). " +
                "Start every process with the same command line (mpiexec -n N precondflow ...).");
    }

    private static Dictionary<string, string> Parse(byte[] text)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in Encoding.UTF8.GetString(text).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            int equals = line.IndexOf('=');
            var name = equals < 0 ? line : line[..equals];
            result[name] = equals < 0 ? "" : line[(equals + 1)..];
        }
        return result;
    }

    private static string Quote(string? value) => value is null ? "nothing" : $"'{value}'";
}
