namespace MedicalAid.Engine.Tests;

public sealed class ResidentIdNumberTests
{
    private static readonly DateOnly Today = new(2026, 11, 28);

    [Theory]
    [InlineData("14010919550312001X")]
    [InlineData("140109196208150026")]
    [InlineData("140109197001010039")]
    [InlineData("14010919881120004X")]
    [InlineData("140109195010010058")]
    [InlineData("140109199205060061")]
    [InlineData("140109201503090074")]
    [InlineData("140109196609300080")]
    [InlineData("11010519491231002X")]
    public void Check_WhenDemoIdNumberIsWellFormed_ReportsNone(string text)
    {
        Assert.Equal(ResidentIdProblem.None, ResidentIdNumber.Check(text, Today));
        Assert.True(ResidentIdNumber.TryParse(text, Today, out var idNumber));
        Assert.Equal(text, idNumber!.Value);
        Assert.Equal(text[..6], idNumber.DivisionCode);
    }

    [Fact]
    public void Check_TheDemoIdOfZhouDeming_IsValid_AndTheOneOnceSeededIsNot()
    {
        // 周德明 (docs/design.md §4) was once seeded as 140109194807070018: MOD 11-2 over its first 17 digits gives '0'.
        Assert.Equal('0', ResidentIdNumber.ComputeCheckCharacter("14010919480707001"));
        Assert.Equal(ResidentIdProblem.WrongCheckCharacter, ResidentIdNumber.Check("140109194807070018", Today));
        Assert.Equal(ResidentIdProblem.None, ResidentIdNumber.Check("140109194807070010", Today));
    }

    [Theory]
    [InlineData(null, ResidentIdProblem.Missing)]
    [InlineData("", ResidentIdProblem.Missing)]
    [InlineData("14010919550312001", ResidentIdProblem.WrongLength)]
    [InlineData("14010919550312001X0", ResidentIdProblem.WrongLength)]
    [InlineData("14010919550312001Y", ResidentIdProblem.InvalidCharacters)]
    [InlineData("1401091955031200X1", ResidentIdProblem.InvalidCharacters)]
    [InlineData("14010919550312 01X", ResidentIdProblem.InvalidCharacters)]
    [InlineData("１40109195503120012", ResidentIdProblem.InvalidCharacters)] // full-width digit one
    [InlineData("100109195503120012", ResidentIdProblem.InvalidDivisionCode)] // province 10
    [InlineData("830109195503120012", ResidentIdProblem.InvalidDivisionCode)] // province 83
    [InlineData("140109195502300019", ResidentIdProblem.InvalidBirthDate)] // 30 February
    [InlineData("140109189912310010", ResidentIdProblem.InvalidBirthDate)] // before 1900
    [InlineData("140109195513010019", ResidentIdProblem.InvalidBirthDate)] // month 13
    [InlineData("140109203001010010", ResidentIdProblem.BirthDateInFuture)]
    [InlineData("140109196208150027", ResidentIdProblem.WrongCheckCharacter)]
    public void Check_WhenMalformed_ReportsTheFirstProblem(string? text, ResidentIdProblem expected)
    {
        Assert.Equal(expected, ResidentIdNumber.Check(text, Today));
        Assert.False(ResidentIdNumber.TryParse(text, Today, out var idNumber));
        Assert.Null(idNumber);
    }

    [Fact]
    public void Check_BirthDateInFuture_IsJudgedAgainstTheTodayArgument()
    {
        const string bornOn20300101 = "140109203001010010";

        Assert.Equal(ResidentIdProblem.BirthDateInFuture, ResidentIdNumber.Check(bornOn20300101, new DateOnly(2029, 12, 31)));
        Assert.Equal(ResidentIdProblem.None, ResidentIdNumber.Check(bornOn20300101, new DateOnly(2030, 1, 1)));
        Assert.Equal(ResidentIdProblem.None, ResidentIdNumber.Check(bornOn20300101, new DateOnly(2031, 6, 1)));
    }

    [Fact]
    public void TryParse_WhenCheckCharacterIsLowercaseX_AcceptsAndNormalizesToUppercase()
    {
        Assert.True(ResidentIdNumber.TryParse("14010919550312001x", Today, out var idNumber));

        Assert.Equal("14010919550312001X", idNumber!.Value);
        Assert.Equal(new DateOnly(1955, 3, 12), idNumber.BirthDate);
        Assert.Equal("140109", idNumber.DivisionCode);
        Assert.Equal(ResidentIdNumber.TryParse("14010919550312001X", Today, out var upper) ? upper : null, idNumber);
    }

    [Fact]
    public void Masked_ShowsFirstFourAndLastFourCharacters()
    {
        Assert.True(ResidentIdNumber.TryParse("140109196208150026", Today, out var idNumber));

        Assert.Equal("1401**********0026", idNumber!.Masked);
        Assert.Equal("1401**********0026", idNumber.ToString());
        Assert.Equal("1401**********0026", ResidentIdNumber.Mask("140109196208150026"));
        Assert.Equal("*******", ResidentIdNumber.Mask("1234567"));
    }

    [Fact]
    public void ComputeCheckCharacter_FollowsIso7064Mod11Dash2()
    {
        Assert.Equal('X', ResidentIdNumber.ComputeCheckCharacter("14010919550312001"));
        Assert.Equal('6', ResidentIdNumber.ComputeCheckCharacter("14010919620815002"));
        Assert.Throws<ArgumentException>(() => ResidentIdNumber.ComputeCheckCharacter("1401"));
    }

    [Fact]
    public void Describe_EveryProblem_HasASentence()
    {
        foreach (var problem in Enum.GetValues<ResidentIdProblem>())
        {
            Assert.False(string.IsNullOrWhiteSpace(ResidentIdNumber.Describe(problem)));
        }
    }

    [Theory]
    [InlineData("820000199001010010")] // province 82 (Macau), the highest division code that is accepted
    [InlineData("11010519000101001X")] // born 1 January 1900, the earliest birth date that is accepted
    public void Check_AtTheEndsOfTheAcceptedRanges_ReportsNone(string text)
    {
        Assert.Equal(ResidentIdProblem.None, ResidentIdNumber.Check(text, Today));
    }

    [Fact]
    public void Mask_WhenEightCharactersOrFewer_HidesThemAll()
    {
        // With eight characters "first four and last four" would show everything.
        Assert.Equal("********", ResidentIdNumber.Mask("14010919"));
        Assert.Equal("1401*0919", ResidentIdNumber.Mask("140100919"));
        Assert.Throws<ArgumentNullException>("idNumber", () => ResidentIdNumber.Mask(null!));
    }

    [Fact]
    public void ComputeCheckCharacter_WhenNotSeventeenDigits_SaysHowManyItNeeds()
    {
        var exception = Assert.Throws<ArgumentException>(() => ResidentIdNumber.ComputeCheckCharacter("1401"));

        Assert.Equal("first17Digits", exception.ParamName);
        Assert.StartsWith("The check character is computed over exactly 17 digits.", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Describe_WhenProblemIsUnknown_ThrowsNamingIt()
    {
        var exception = Assert.Throws<ArgumentOutOfRangeException>(() => ResidentIdNumber.Describe((ResidentIdProblem)99));

        Assert.Equal("problem", exception.ParamName);
        Assert.StartsWith("Unknown problem.", exception.Message, StringComparison.Ordinal);
    }
}
