using System.Globalization;
using PrecondFlow.Experiments.TwoD;

namespace PrecondFlow.Cli.Console;

/// <summary>
/// Progress as text lines, so that a child process's stages show in its parent's bars: "stage ID TOTAL NAME" opens a stage,
/// "report ID DONE STATUS" moves it (tab-separated; names and statuses have their tabs and line breaks replaced by spaces).
/// </summary>
internal static class ProgressLines
{
    private const string Stage = "stage";
    private const string Report = "report";

    /// <summary>Progress that writes lines to <paramref name="output"/> (one writer per process: lines are whole).</summary>
    public sealed class Writer(TextWriter output) : IExperimentProgress
    {
        private int stages;

        public IProgress<(double Done, string Status)> AddStage(string name, double total)
        {
            int id = Interlocked.Increment(ref stages);
            Write($"{Stage}\t{id}\t{Number(total)}\t{Clean(name)}");
            return new Reporter(this, id);
        }

        private void Write(string line)
        {
            lock (output)
            {
                output.WriteLine(line);
                output.Flush();
            }
        }

        private sealed class Reporter(Writer writer, int id) : IProgress<(double Done, string Status)>
        {
            public void Report((double Done, string Status) value) =>
                writer.Write($"{ProgressLines.Report}\t{id}\t{Number(value.Done)}\t{Clean(value.Status)}");
        }
    }

    /// <summary>Forwards the lines of one child to <paramref name="target"/>; other lines are ignored.</summary>
    public sealed class Reader(IExperimentProgress target)
    {
        private readonly Dictionary<string, IProgress<(double Done, string Status)>> stages = new();

        public void Read(string line)
        {
            var fields = line.Split('\t', 4);
            if (fields.Length != 4 || !double.TryParse(fields[2], NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
                return;
            if (fields[0] == Stage)
                stages[fields[1]] = target.AddStage(fields[3], number);
            else if (fields[0] == Report && stages.TryGetValue(fields[1], out var stage))
                stage.Report((number, fields[3]));
        }
    }

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Clean(string text) => text.Replace('\t', ' ').Replace('\r', ' ').Replace('\n', ' ');
}
