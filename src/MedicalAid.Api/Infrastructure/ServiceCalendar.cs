namespace MedicalAid.Api.Infrastructure;

/// <summary>
/// Local dates in the scheme's time zone (Asia/Shanghai unless configured): "today", "in the future" and day
/// boundaries are taken here, from <see cref="TimeProvider"/>.
/// </summary>
public sealed class ServiceCalendar(TimeProvider time, TimeZoneInfo zone)
{
    public const string DefaultTimeZone = "Asia/Shanghai";

    public TimeZoneInfo Zone { get; } = zone;

    public DateTimeOffset Now() => time.GetUtcNow();

    public DateOnly Today() => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(time.GetUtcNow(), Zone).DateTime);

    public static ServiceCalendar Create(IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        var zoneId = services.GetRequiredService<IConfiguration>()["MedicalAid:TimeZone"] ?? DefaultTimeZone;
        return new ServiceCalendar(services.GetRequiredService<TimeProvider>(), TimeZoneInfo.FindSystemTimeZoneById(zoneId));
    }
}
