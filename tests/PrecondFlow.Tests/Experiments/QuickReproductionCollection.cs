namespace PrecondFlow.Tests.Experiments;

/// <summary>The test classes that share one <see cref="QuickReproduction"/> run: the experiments' and the report's.</summary>
[CollectionDefinition(QuickReproduction.Collection)]
public sealed class QuickReproductionCollection : ICollectionFixture<QuickReproduction>;
