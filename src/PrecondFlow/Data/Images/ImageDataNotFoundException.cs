namespace PrecondFlow.Data.Images;

/// <summary>
/// An image data set that is not installed in any of the places searched. The message names the
/// data set, lists those places in search order and says how to install it.
/// </summary>
public sealed class ImageDataNotFoundException : IOException
{
    /// <summary>An exception whose message names <paramref name="dataset"/>, quotes <paramref name="howToGet"/> and lists
    /// <paramref name="searched"/>.</summary>
    /// <param name="dataset">The data set's name, e.g. "mnist".</param>
    /// <param name="searched">The folders searched, in order.</param>
    /// <param name="howToGet">One or more sentences saying how to install the data set.</param>
    public ImageDataNotFoundException(string dataset, IReadOnlyList<string> searched, string howToGet)
        : base($"The {dataset} data set was not found. To get it: {howToGet} Searched, in order: {string.Join("; ", searched)}.")
    {
        Dataset = dataset;
        Searched = searched.ToArray();
    }

    /// <summary>The data set's name, as given to <see cref="ImageDatasets.Load(string, IReadOnlyList{string}, int)"/>.</summary>
    public string Dataset { get; }

    /// <summary>The folders searched, in order.</summary>
    public IReadOnlyList<string> Searched { get; }
}
