namespace PrecondFlow.Data.Images;

/// <summary>An image data set divided into a training and a test part.</summary>
/// <param name="Name">The data set's name, one of <see cref="ImageDatasets.Names"/>.</param>
/// <param name="Train">The images to train on.</param>
/// <param name="Test">The held-out images, disjoint from <paramref name="Train"/>.</param>
/// <param name="Source">The folder the files were read from.</param>
public sealed record ImageDataSplit(string Name, ImageData Train, ImageData Test, string Source);
