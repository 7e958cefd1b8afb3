using System.Globalization;
using System.Text;
using PrecondFlow.IO;
using static TorchSharp.torch;

namespace PrecondFlow.Data;

/// <summary>
/// A point cloud as comma-separated text, one point per row. The first row is a header when any of
/// its fields is not a number; a header column named <c>label</c> (any case) holds integer class
/// labels ≥ 0 ("2.0" counts as 2), every other column is a coordinate. Without a header every
/// column is a coordinate. Blank lines are skipped. Numbers use the invariant culture ('.' decimal
/// point, exponents allowed). The writer emits <c>x1,x2,...,xd[,label]</c> and each value in its
/// shortest round-trip form, so a float32 or float64 cloud reads back bit for bit.
/// </summary>
internal static class PointCloudCsv
{
    private const string LabelColumn = "label";

    /// <summary>
    /// Reads <paramref name="path"/> as (n, d) points of <paramref name="dtype"/> (Float32, the
    /// default, or Float64; each field is parsed directly in that precision) and (n) int64 labels
    /// when a label column exists; NumClasses = max label + 1.
    /// </summary>
    /// <exception cref="DataFormatException">Missing file, no data rows, a row with the wrong number of
    /// columns, a field that is not a number or not finite, a label that is not a whole number ≥ 0.</exception>
    public static PointCloud Read(string path, ScalarType dtype = ScalarType.Float32)
    {
        PointCloudFiles.CheckDtype(dtype);
        if (!File.Exists(path))
            throw DataFormatException.FileNotFound(path);

        var single = dtype == ScalarType.Float32;
        var floats = new List<float>();
        var doubles = new List<double>();
        var labels = new List<long>();
        string[]? names = null;
        var labelColumn = -1;
        var columns = -1;
        long lineNumber = 0, rows = 0;

        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
                continue;
            var fields = line.Split(',');

            if (columns < 0)
            {
                columns = fields.Length;
                if (fields.Any(f => f.Trim().Length > 0 && !double.TryParse(f, NumberStyles.Float, CultureInfo.InvariantCulture, out _)))
                {
                    names = fields.Select(f => f.Trim().Trim('"').Trim()).ToArray();
                    labelColumn = ReadHeader(path, lineNumber, names);
                    continue;
                }
            }

            if (fields.Length != columns)
                throw DataFormatException.WrongColumnCount(path, lineNumber, columns, fields.Length, Layout(names, columns));

            for (var c = 0; c < fields.Length; c++)
            {
                var text = fields[c];
                var columnName = names?[c];
                if (c == labelColumn)
                {
                    labels.Add(ParseLabel(path, lineNumber, c + 1, text));
                    continue;
                }
                if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                    throw DataFormatException.NotANumber(path, lineNumber, c + 1, text, columnName);
                if (!double.IsFinite(value))
                    throw DataFormatException.NotFinite(path, lineNumber, c + 1, text, columnName);
                if (single)
                {
                    // Parsed again as float, not rounded from the double: rounding twice can differ.
                    var narrow = float.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
                    if (!float.IsFinite(narrow))
                        throw DataFormatException.OutOfFloat32Range(path, lineNumber, c + 1, text, columnName);
                    floats.Add(narrow);
                }
                else
                {
                    doubles.Add(value);
                }
            }
            rows++;
        }

        if (rows == 0)
            throw DataFormatException.NoDataRows(path);

        var dim = columns - (labelColumn >= 0 ? 1 : 0);
        var points = single ? tensor(floats.ToArray(), [rows, dim]) : tensor(doubles.ToArray(), [rows, dim]);
        if (labelColumn < 0)
            return new PointCloud(points);
        return new PointCloud(points, tensor(labels.ToArray()), (int)(labels.Max() + 1));
    }

    /// <summary>
    /// Writes <paramref name="cloud"/> (float32 or float64 points, optional int labels) to
    /// <paramref name="path"/> atomically, with the header <c>x1,...,xd[,label]</c>.
    /// </summary>
    public static void Write(string path, PointCloud cloud)
    {
        PointCloudFiles.CheckWritable(cloud);
        using var scope = NewDisposeScope();
        var points = cloud.Points.detach().cpu().contiguous();
        var n = points.shape[0];
        var d = (int)points.shape[1];
        var labels = cloud.Labels?.to(ScalarType.Int64).cpu().contiguous().data<long>().ToArray();
        var single = points.dtype == ScalarType.Float32;
        var floats = single ? points.data<float>().ToArray() : null;
        var doubles = single ? null : points.data<double>().ToArray();

        var text = new StringBuilder();
        text.AppendJoin(',', Enumerable.Range(1, d).Select(i => $"x{i}"));
        if (labels is not null)
            text.Append(',').Append(LabelColumn);
        text.Append('\n');
        for (long i = 0; i < n; i++)
        {
            for (var j = 0; j < d; j++)
            {
                if (j > 0)
                    text.Append(',');
                var k = i * d + j;
                text.Append(single
                    ? floats![k].ToString("R", CultureInfo.InvariantCulture)
                    : doubles![k].ToString("R", CultureInfo.InvariantCulture));
            }
            if (labels is not null)
                text.Append(',').Append(labels[i].ToString(CultureInfo.InvariantCulture));
            text.Append('\n');
        }

        AtomicFile.Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), leaveOpen: true);
            writer.Write(text);
        });
    }

    /// <summary>Checks the header and returns the index of the label column, or −1.</summary>
    private static int ReadHeader(string path, long line, string[] names)
    {
        var labelColumns = Enumerable.Range(0, names.Length)
            .Where(i => string.Equals(names[i], LabelColumn, StringComparison.OrdinalIgnoreCase))
            .ToArray();
        if (labelColumns.Length > 1)
            throw DataFormatException.BadHeader(path, line,
                $"the header has {labelColumns.Length} columns named 'label' (columns {string.Join(", ", labelColumns.Select(i => i + 1))}); keep one.");
        if (names.Length - labelColumns.Length == 0)
            throw DataFormatException.BadHeader(path, line,
                "the header names no coordinate column, only 'label'. Expected e.g. x1,x2,label.");
        return labelColumns.Length == 1 ? labelColumns[0] : -1;
    }

    private static long ParseLabel(string path, long line, int column, string text)
    {
        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var label)
            && label is >= 0 and <= PointCloudFiles.MaxLabel)
            return label;
        // A whole number written as a float ("2.0", "2e0") is accepted: some tools write int columns so.
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            && value is >= 0 and <= PointCloudFiles.MaxLabel && Math.Floor(value) == value)
            return (long)value;
        throw DataFormatException.BadLabel(path, line, column, text);
    }

    private static string Layout(string[]? names, int columns) =>
        names is not null ? string.Join(",", names) : string.Join(",", Enumerable.Range(1, columns).Select(i => $"x{i}"));
}
