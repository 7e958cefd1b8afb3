using PrecondFlow.Data.Internal;

namespace PrecondFlow.Tests.Data.Internal;

public class NameSuggestionTests
{
    private static readonly string[] Known = ["linear", "sine-cosine", "vp"];

    [Theory]
    [InlineData("liner", "linear")]
    [InlineData("LINEAR", "linear")]
    [InlineData("sinecosine", "sine-cosine")]
    [InlineData("cosine", "sine-cosine")]
    [InlineData("v_p", "vp")]
    [InlineData("vq", "vp")]
    public void TheClosestKnownNameIsSuggested(string typed, string expected) =>
        Assert.Equal(expected, NameSuggestion.Closest(typed, Known));

    [Theory]
    [InlineData("quadratic")]
    [InlineData("")]
    [InlineData("--")]
    [InlineData("ab")]
    public void NothingIsSuggestedWhenNothingIsClose(string typed)
    {
        Assert.Null(NameSuggestion.Closest(typed, Known));
        Assert.Equal("", NameSuggestion.Hint(typed, Known));
    }

    [Fact]
    public void TheHintIsASentenceQuotingTheName() =>
        Assert.Equal(" Did you mean 'linear'?", NameSuggestion.Hint("lineaar", Known));
}
