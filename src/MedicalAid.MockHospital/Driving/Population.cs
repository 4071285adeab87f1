using MedicalAid.Contracts;
using MedicalAid.Engine;

namespace MedicalAid.MockHospital.Driving;

/// <summary>A beneficiary the mock hospitals treat: who they are and, for a generated one, the category to register.</summary>
internal sealed record Patient(PatientIdentity Identity, string Category);

/// <summary>The people the mock hospitals discharge: the demo beneficiaries, or a generated population.</summary>
internal static class Population
{
    /// <summary>The eight active demo beneficiaries of docs/design.md §4 (周德明, inactive, is left out).</summary>
    public static IReadOnlyList<Patient> Demo { get; } =
    [
        new(new() { IdNumber = "14010919550312001X", Name = "王建国" }, DemoPolicy.ExtremePoverty),
        new(new() { IdNumber = "140109196208150026", Name = "李秀英" }, DemoPolicy.MinimumLiving),
        new(new() { IdNumber = "140109197001010039", Name = "张伟" }, DemoPolicy.MinimumLiving),
        new(new() { IdNumber = "14010919881120004X", Name = "刘芳" }, DemoPolicy.LowIncomeMarginal),
        new(new() { IdNumber = "140109195010010058", Name = "陈志强" }, DemoPolicy.SpecialCare),
        new(new() { IdNumber = "140109199205060061", Name = "杨敏" }, DemoPolicy.HeroicAct),
        new(new() { IdNumber = "140109201503090074", Name = "赵小宇" }, DemoPolicy.Orphan),
        new(new() { IdNumber = "140109196609300080", Name = "黄丽华" }, DemoPolicy.IllnessPoverty),
    ];

    /// <summary>The demo district (docs/design.md §8): registration defaults to its unit, which the demo data has.</summary>
    private static readonly string[] Divisions = ["140109"];

    private static readonly string[] Surnames = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "马", "罗", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "萧"];

    private static readonly string[] GivenNameCharacters = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀", "霞", "平", "刚", "桂", "英", "华", "建", "国", "志", "玉", "兰", "德"];

    /// <summary>Categories with the rough weights of a district's registry: minimum-living is the bulk, heroic acts are rare.</summary>
    private static readonly (string Category, int Weight)[] CategoryWeights =
    [
        (DemoPolicy.MinimumLiving, 40),
        (DemoPolicy.LowIncomeMarginal, 20),
        (DemoPolicy.IllnessPoverty, 15),
        (DemoPolicy.ExtremePoverty, 12),
        (DemoPolicy.SpecialCare, 8),
        (DemoPolicy.Orphan, 3),
        (DemoPolicy.HeroicAct, 2),
    ];

    /// <summary>
    /// <paramref name="count"/> distinct people with valid resident ID numbers (GB 11643, check character included), born
    /// 1940–2015; the same seed gives the same people.
    /// </summary>
    public static IReadOnlyList<Patient> Generate(int count, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
#pragma warning disable CA5394 // Reproducible test data, not security: a seeded Random is the point.
        var random = new Random(seed);
        var people = new List<Patient>(count);
        var idNumbers = new HashSet<string>(StringComparer.Ordinal);
        var firstBirthDate = new DateOnly(1940, 1, 1);
        var birthDates = new DateOnly(2015, 12, 31).DayNumber - firstBirthDate.DayNumber + 1;
        var totalWeight = CategoryWeights.Sum(weight => weight.Weight);
        while (people.Count < count)
        {
            var birthDate = firstBirthDate.AddDays(random.Next(birthDates));
            var first17 = $"{Divisions[random.Next(Divisions.Length)]}{birthDate:yyyyMMdd}{random.Next(1, 1000):D3}";
            var idNumber = first17 + ResidentIdNumber.ComputeCheckCharacter(first17);
            var name = Surnames[random.Next(Surnames.Length)] + GivenNameCharacters[random.Next(GivenNameCharacters.Length)]
                + (random.Next(3) == 0 ? "" : GivenNameCharacters[random.Next(GivenNameCharacters.Length)]);
            var pick = random.Next(totalWeight);
            var category = CategoryWeights.First(weight => (pick -= weight.Weight) < 0).Category;
            if (category == DemoPolicy.Orphan && birthDate.Year < 2008)
            {
                category = DemoPolicy.MinimumLiving;
            }

            if (idNumbers.Add(idNumber))
            {
                people.Add(new Patient(new PatientIdentity { IdNumber = idNumber, Name = name }, category));
            }
        }
#pragma warning restore CA5394

        return people;
    }
}
