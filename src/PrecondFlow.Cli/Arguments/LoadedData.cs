using PrecondFlow.Data;

namespace PrecondFlow.Cli.Arguments;

/// <summary>Data as a command received them: the points, how the run's configuration describes them, and what the user should know.</summary>
/// <param name="Points">The points (flattened images carry their image shape).</param>
/// <param name="Description">The data settings and facts as they go into a run's configuration file.</param>
/// <param name="ClassNames">The name of each class in label order, when the data name their classes.</param>
/// <param name="Notes">Sentences about how the data were read (skipped files, conversions), printed as notes.</param>
internal sealed record LoadedData(PointCloud Points, object Description, IReadOnlyList<string>? ClassNames = null, IReadOnlyList<string>? Notes = null)
{
    /// <summary>The name of class <paramref name="label"/> as the data call it, else "label k".</summary>
    public string ClassName(int label) => ClassNames is { } names && label < names.Count ? $"'{names[label]}' (label {label})" : $"label {label}";

    /// <summary>Prints each note as one "note: …" line on standard error.</summary>
    public void ReportNotes()
    {
        foreach (var note in Notes ?? [])
            System.Console.Error.WriteLine($"note: {note}.");
    }
}
