using System.Reflection;
using Microsoft.Extensions.Configuration.UserSecrets;

namespace MedicalAid.Api.Staff;

/// <summary>
/// In Development, staff tokens come from `dotnet user-jwts create`, whose first run writes the signing key to the
/// user-secrets file. Configuration only watches a file whose folder existed when the service started, so on a fresh
/// machine the running API would not see that first key: the folder is made and the file watched from the start (the
/// bearer scheme reads its settings again whenever configuration changes).
/// </summary>
public static class DevelopmentTokenKeys
{
    public static WebApplicationBuilder WatchDevelopmentTokenKeys(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (!builder.Environment.IsDevelopment()
            || typeof(DevelopmentTokenKeys).Assembly.GetCustomAttribute<UserSecretsIdAttribute>()?.UserSecretsId is not { } secretsId)
        {
            return builder;
        }

        var path = PathHelper.GetSecretsPathFromSecretsId(secretsId);
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            builder.Configuration.AddJsonFile(path, optional: true, reloadOnChange: true);
        }

        return builder;
    }
}
