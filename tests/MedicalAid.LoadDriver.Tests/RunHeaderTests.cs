namespace MedicalAid.LoadDriver.Tests;

/// <summary>The run header names the files a figure's working tree differed from its commit in, and the API settings it changed.</summary>
public sealed class RunHeaderTests
{
    [Fact]
    public void ModifiedNote_OfACleanTree_IsEmpty() => Assert.Equal("", BenchmarkSettings.ModifiedNote(""));

    [Fact]
    public void ModifiedNote_NamesModifiedUntrackedAndStagedFiles_WithoutTheirStatusLetters()
    {
        var note = BenchmarkSettings.ModifiedNote(" M src/MedicalAid.Api/Program.cs\n?? tests/New.cs\nM  contracts/Dto.cs\n");

        Assert.Equal(" (modified: src/MedicalAid.Api/Program.cs, tests/New.cs, contracts/Dto.cs)", note);
    }

    [Fact]
    public void ModifiedNote_OfManyFiles_NamesFiveAndCountsTheRest()
    {
        var porcelain = string.Join('\n', Enumerable.Range(1, 8).Select(i => $" M src/File{i}.cs"));

        Assert.Equal(" (modified: src/File1.cs, src/File2.cs, src/File3.cs, src/File4.cs, src/File5.cs and 3 more)", BenchmarkSettings.ModifiedNote(porcelain));
    }

    [Fact]
    public void ApiEnvironmentNote_NamesEverySettingInOneLine_AndNothingForTheDefaults()
    {
        Assert.Empty(BenchmarkSettings.ApiEnvironmentNote(new Dictionary<string, string>()));
        Assert.Equal(
            ["API configured with --api-env Database__MaxConcurrentWrites=2 DOTNET_gcServer=1"],
            BenchmarkSettings.ApiEnvironmentNote(new Dictionary<string, string> { ["Database__MaxConcurrentWrites"] = "2", ["DOTNET_gcServer"] = "1" }));
    }
}
