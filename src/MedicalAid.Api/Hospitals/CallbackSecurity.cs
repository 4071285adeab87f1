using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace MedicalAid.Api.Hospitals;

/// <summary>Where callbacks may go (section <c>Callbacks</c>).</summary>
public sealed class CallbackOptions
{
    public const string Section = "Callbacks";

    /// <summary>
    /// Let callback URLs reach loopback, link-local, private and multicast addresses: for mock hospitals on this machine
    /// (Development, tests). Off, such a URL is refused at registration and such an address is never connected to.
    /// </summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>Accept plain-http callback URLs. Development always does; elsewhere https is required unless this is set.</summary>
    public bool AllowHttp { get; set; }
}

/// <summary>
/// Keeps server-side requests to hospital callback URLs where they belong. A URL must be absolute https (http in
/// Development or with <see cref="CallbackOptions.AllowHttp"/>) without user-info; its host must resolve to public
/// addresses only. The check runs at registration, and again at every delivery inside the connection itself
/// (<see cref="ConnectAsync"/>): the address connected to is the one checked, so a DNS answer that changes after
/// registration (or between a check and the connect) cannot point a delivery at the service's own network.
/// </summary>
public sealed class CallbackUrlPolicy(IOptionsMonitor<CallbackOptions> options, IHostEnvironment environment)
{
    private bool AllowHttp => options.CurrentValue.AllowHttp || environment.IsDevelopment();

    private bool AllowPrivateNetworks => options.CurrentValue.AllowPrivateNetworks;

    /// <summary>What is wrong with <paramref name="url"/> without looking its host up, or null.</summary>
    public string? FormProblem(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (url.Scheme != Uri.UriSchemeHttps && !(url.Scheme == Uri.UriSchemeHttp && AllowHttp))
        {
            return AllowHttp ? "An absolute http or https URL." : "An absolute https URL.";
        }

        if (url.UserInfo.Length > 0)
        {
            return "No user name or password in the URL.";
        }

        return null;
    }

    /// <summary>What is wrong with <paramref name="url"/>, its host resolved, or null.</summary>
    public async Task<string?> ProblemAsync(Uri url, CancellationToken cancellationToken)
    {
        if (FormProblem(url) is { } problem)
        {
            return problem;
        }

        if (AllowPrivateNetworks)
        {
            return null;
        }

        IPAddress[] addresses;
        try
        {
            addresses = IPAddress.TryParse(url.IdnHost, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(url.IdnHost, cancellationToken);
        }
        catch (SocketException)
        {
            return "The host does not resolve.";
        }

        return addresses.Length == 0 ? "The host does not resolve."
            : addresses.Any(address => !IsPublic(address)) ? "The host resolves to a loopback, link-local, private or multicast address."
            : null;
    }

    /// <summary>
    /// The connection of every callback request: resolves the host, keeps only the addresses <see cref="IsPublic"/>
    /// allows (all of them with <see cref="CallbackOptions.AllowPrivateNetworks"/>), and connects to one of those.
    /// </summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var host = context.DnsEndPoint.Host;
        var resolved = IPAddress.TryParse(host.Trim('[', ']'), out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken);
        var allowed = AllowPrivateNetworks ? resolved : resolved.Where(IsPublic).ToArray();
        if (allowed.Length == 0)
        {
            throw new HttpRequestException("The callback host resolves to no public address; the delivery was not sent.");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>False for loopback, link-local, private, shared (CGNAT), unspecified, broadcast, documentation and multicast addresses.</summary>
    public static bool IsPublic(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.Broadcast))
        {
            return false;
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return !(b[0] == 0 || b[0] == 10 || b[0] == 127
                || (b[0] == 100 && b[1] >= 64 && b[1] <= 127)
                || (b[0] == 169 && b[1] == 254)
                || (b[0] == 172 && b[1] >= 16 && b[1] <= 31)
                || (b[0] == 192 && b[1] == 168)
                || (b[0] == 192 && b[1] == 0 && b[2] is 0 or 2)
                || (b[0] == 198 && b[1] is 18 or 19)
                || (b[0] == 198 && b[1] == 51 && b[2] == 100)
                || (b[0] == 203 && b[1] == 0 && b[2] == 113)
                || b[0] >= 224);
        }

        var bytes = address.GetAddressBytes();
        return !(address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast || address.IsIPv6UniqueLocal
            || (bytes[0] == 0x20 && bytes[1] == 0x01 && bytes[2] == 0x0d && bytes[3] == 0xb8)
            || (bytes[0] == 0x00 && bytes[1] == 0x64 && bytes[2] == 0xff && bytes[3] == 0x9b));
    }
}

/// <summary>
/// Hospitals' callback secrets. MedicalAid signs with the secret itself, so a one-way hash will not do: it is stored
/// encrypted with ASP.NET Core Data Protection (the service's key ring), shown in clear once, when it is made.
/// </summary>
public sealed class CallbackSecrets(IDataProtectionProvider dataProtection)
{
    private readonly IDataProtector protector = dataProtection.CreateProtector("MedicalAid.Hospitals.CallbackSecret.v1");

    /// <summary>256 random bits, URL-safe.</summary>
    public static string New() => "mcs_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public string Protect(string secret) => protector.Protect(secret);

    /// <summary>The secret, or null when none is stored or it cannot be decrypted (a key ring that was lost).</summary>
    public string? Unprotect(string? stored)
    {
        if (string.IsNullOrEmpty(stored))
        {
            return null;
        }

        try
        {
            return protector.Unprotect(stored);
        }
        catch (CryptographicException)
        {
            return null;
        }
    }
}

public static class CallbackSetup
{
    public const string DataProtectionApplicationName = "MedicalAid";

    public static IServiceCollection AddHospitalCallbacks(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<CallbackOptions>().BindConfiguration(CallbackOptions.Section).ValidateOnStart();
        services.AddSingleton<CallbackUrlPolicy>();
        services.AddSingleton<CallbackSecrets>();
        // One application name, so that every instance (and the console commands) reads what another protected; the key
        // ring's place is the deployment's choice (DataProtection:KeysDirectory, a directory all instances share).
        var dataProtection = services.AddDataProtection().SetApplicationName(DataProtectionApplicationName);
        if (configuration["DataProtection:KeysDirectory"] is { Length: > 0 } keys)
        {
            dataProtection.PersistKeysToFileSystem(new DirectoryInfo(keys));
        }

        return services;
    }
}
