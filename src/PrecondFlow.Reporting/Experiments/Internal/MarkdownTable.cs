namespace PrecondFlow.Experiments.TwoD.Internal;

/// <summary>A GitHub-flavoured Markdown table; cells are escaped for '|'.</summary>
internal sealed class MarkdownTable
{
    private readonly string[] headers;
    private readonly List<string[]> rows = new();

    public MarkdownTable(params string[] headers) => this.headers = headers;

    public MarkdownTable Row(params string[] cells)
    {
        if (cells.Length != headers.Length)
            throw new ArgumentException($"A row needs {headers.Length} cells; got {cells.Length}.", nameof(cells));
        rows.Add(cells);
        return this;
    }

    public override string ToString()
    {
        static string Line(IEnumerable<string> cells) => "| " + string.Join(" | ", cells.Select(c => c.Replace("|", "\\|"))) + " |";
        var lines = new List<string> { Line(headers), Line(headers.Select(_ => "---")) };
        lines.AddRange(rows.Select(Line));
        return string.Join("\n", lines) + "\n";
    }
}
