package io.ringmesh.node.internal.runtime;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.ringmesh.coord.Coordinator;
import io.ringmesh.rpc.Endpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * A node's settings, as read from {@code node.yaml} and then overridden by command-line flags. Keys
 * are written as the flags are ({@code rpc-port}, {@code admin-port}, ...). Every field has the
 * embedded default: one node with both roles and its own single coordinator, data in {@code
 * ./data}.
 *
 * <p>Mutable while it is being read and overridden; {@link #validate} then checks it once, and the
 * runtime only reads it. Not thread-safe.
 */
public final class NodeConfig {
  /** The roles a node can take. */
  public static final Set<String> ROLES = Set.of("coordinator", "service");

  @JsonProperty("id")
  public @Nullable String id;

  @JsonProperty("roles")
  public List<String> roles = new ArrayList<>(List.of("coordinator", "service"));

  @JsonProperty("bind")
  public String bind = "127.0.0.1";

  /** The port of the RPC server hosting this node's services; 0 picks a free one. */
  @JsonProperty("rpc-port")
  public int rpcPort = 7500;

  @JsonProperty("admin-port")
  public int adminPort = 7600;

  @JsonProperty("data")
  public String data = "data";

  /** Where this node's clients reach the coordinators; empty means its own coordinator. */
  @JsonProperty("coordinators")
  public @Nullable String coordinators;

  @JsonProperty("session-ttl")
  public String sessionTtl = "10s";

  /**
   * How long a stopping node keeps serving after it has deregistered, so that callers can see it
   * leave before its RPC server stops taking calls; {@code 0ms} stops at once.
   */
  @JsonProperty("drain-delay")
  public String drainDelay = "1s";

  @JsonProperty("log-level")
  public String logLevel = "INFO";

  @JsonProperty("coordinator")
  public CoordinatorSettings coordinator = new CoordinatorSettings();

  @JsonProperty("services")
  public List<ServiceSettings> services = new ArrayList<>();

  /**
   * Interfaces the JSON gateway may call besides the hosted ones (binary names of
   * {@code @RpcService} interfaces on the class path), so a node that hosts nothing can still route
   * them.
   */
  @JsonProperty("gateway")
  public List<String> gateway = new ArrayList<>();

  @JsonProperty("tls")
  public @Nullable TlsSettings tls;

  /** The coordinator role's settings. */
  public static final class CoordinatorSettings {
    /** The port lock and registry clients connect to; 0 picks a free one. */
    @JsonProperty("port")
    public int port = 7400;

    /** The Raft ensemble as {@code id=host:raftPort,...}; absent for a coordinator alone. */
    @JsonProperty("peers")
    public @Nullable String peers;

    /** This coordinator's id in {@code peers}. */
    @JsonProperty("self")
    public @Nullable String self;

    /** Shard count of a new cluster. */
    @JsonProperty("shards")
    public @Nullable Integer shards;

    /**
     * Raft groups that carry the shards of a new cluster; see {@code Coordinator.Builder#groups}.
     */
    @JsonProperty("groups")
    public @Nullable Integer groups;

    /**
     * Raft election timeout range, {@code min..max}, e.g. {@code 1s..2s}; Ratis' default if absent.
     */
    @JsonProperty("election-timeout")
    public @Nullable String electionTimeout;

    /**
     * Join a running ensemble: create no groups and wait for {@code bin/ringmesh coord add} to
     * place shards here ({@code peers} then lists the ensemble with this coordinator added).
     */
    @JsonProperty("join")
    public boolean join;
  }

  /** One service this node hosts. */
  public static final class ServiceSettings {
    /**
     * The implementation class: public, with a public constructor taking a {@code Map<String,
     * String>} of settings or none. Each interface it implements that is marked {@code @RpcService}
     * is served and registered.
     */
    @JsonProperty("class")
    public @Nullable String className;

    @JsonProperty("weight")
    public double weight = 1;

    /** Passed to the constructor, with {@code node.id} added. */
    @JsonProperty("settings")
    public Map<String, String> settings = new LinkedHashMap<>();
  }

  /** PEM files for TLS on the service RPC port and this node's clients. */
  public static final class TlsSettings {
    @JsonProperty("cert")
    public @Nullable String cert;

    @JsonProperty("key")
    public @Nullable String key;

    @JsonProperty("trust")
    public @Nullable String trust;
  }

  /** Reads {@code file}; errors name the file, the line and what was wrong. */
  public static NodeConfig read(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new ConfigException("config file " + file + " does not exist");
    } catch (IOException e) {
      throw new ConfigException("cannot read config file " + file + ": " + e.getMessage());
    }
    ObjectMapper yaml =
        new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            // 'roles: coordinator' as well as 'roles: [coordinator]', as the flag takes it
            .enable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY);
    try {
      NodeConfig c = yaml.readValue(text.isBlank() ? "{}" : text, NodeConfig.class);
      return c == null ? new NodeConfig() : c;
    } catch (UnrecognizedPropertyException e) {
      String known =
          e.getKnownPropertyIds().stream()
              .map(String::valueOf)
              .sorted()
              .collect(Collectors.joining(", "));
      throw new ConfigException(
          where(file, e.getLocation())
              + "unknown setting '"
              + e.getPropertyName()
              + "'; the settings here are: "
              + known);
    } catch (JsonMappingException e) {
      String setting = setting(e.getPath());
      throw new ConfigException(
          where(file, e.getLocation())
              + (setting.isEmpty() ? "" : setting + ": ")
              + e.getOriginalMessage());
    } catch (JsonProcessingException e) {
      throw new ConfigException(where(file, e.getLocation()) + e.getOriginalMessage());
    }
  }

  /** The setting a mapping error is about, as written in the file: {@code services[0].weight}. */
  private static String setting(List<JsonMappingException.Reference> path) {
    StringBuilder b = new StringBuilder();
    for (JsonMappingException.Reference r : path) {
      if (r.getFieldName() != null) {
        b.append(b.isEmpty() ? "" : ".").append(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        b.append('[').append(r.getIndex()).append(']');
      }
    }
    return b.toString();
  }

  private static String where(Path file, @Nullable JsonLocation at) {
    return at == null || at.getLineNr() < 1 ? file + ": " : file + " line " + at.getLineNr() + ": ";
  }

  /** Checks every setting; the message names the setting and the fix. */
  public void validate() {
    if (roles.isEmpty()) {
      throw new ConfigException("roles is empty; give coordinator, service or both");
    }
    for (String r : roles) {
      if (!ROLES.contains(r)) {
        throw new ConfigException(
            "roles: unknown role '" + r + "'; the roles are coordinator and service");
      }
    }
    port("rpc-port", rpcPort);
    if (rpcPort == 0 && id == null && !(isCoordinator() && coordinator.self != null)) {
      throw new ConfigException(
          "rpc-port 0 needs an 'id' (--id): the default id node-<rpc-port> would be node-0 for"
              + " every such node, and nodes with one id replace each other in the registry");
    }
    port("admin-port", adminPort);
    port("coordinator.port", coordinator.port);
    duration("session-ttl", sessionTtl);
    if (sessionTtl().compareTo(Duration.ofSeconds(1)) < 0) {
      throw new ConfigException("session-ttl is " + sessionTtl + "; the shortest is 1s");
    }
    if (sessionTtl().compareTo(Duration.ofHours(1)) > 0) {
      throw new ConfigException("session-ttl is " + sessionTtl + "; the longest is 1h");
    }
    if (drainDelay().compareTo(MAX_DRAIN_DELAY) > 0) {
      throw new ConfigException(
          "drain-delay is " + drainDelay + "; the longest is " + MAX_DRAIN_DELAY.toSeconds() + "s");
    }
    if (!Set.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR")
        .contains(logLevel.toUpperCase(Locale.ROOT))) {
      throw new ConfigException(
          "log-level '" + logLevel + "' is not one of TRACE, DEBUG, INFO, WARN, ERROR");
    }
    if ((coordinator.peers == null) != (coordinator.self == null)) {
      throw new ConfigException(
          "coordinator.peers and coordinator.self go together: both for an ensemble member,"
              + " neither for a coordinator alone");
    }
    if (coordinator.peers != null && coordinator.self != null) {
      peers(coordinator.peers, coordinator.self);
    }
    if (coordinators != null && !coordinators.isBlank()) {
      for (String entry : coordinators.split(",", -1)) {
        try {
          Endpoint.parse(entry.strip());
        } catch (IllegalArgumentException e) {
          throw new ConfigException(
              "coordinators is '"
                  + coordinators
                  + "': "
                  + e.getMessage()
                  + "; give every coordinator's client host:port, comma-separated");
        }
      }
    }
    if (coordinator.join && coordinator.peers == null) {
      throw new ConfigException(
          "coordinator.join needs coordinator.peers and coordinator.self: the ensemble's peer"
              + " list with this coordinator added, and its id");
    }
    if (coordinator.electionTimeout != null) {
      electionTimeout();
    }
    if (isCoordinator()
        && coordinator.peers != null
        && (coordinators == null || coordinators.isBlank())) {
      throw new ConfigException(
          "an ensemble member needs 'coordinators' (every coordinator's client host:port) for its"
              + " own session");
    }
    if (!isCoordinator() && (coordinators == null || coordinators.isBlank())) {
      throw new ConfigException(
          "a node without the coordinator role needs 'coordinators' (host:port,...) to reach them");
    }
    for (int i = 0; i < services.size(); i++) {
      ServiceSettings s = services.get(i);
      if (s.className == null || s.className.isBlank()) {
        throw new ConfigException("services[" + i + "] has no 'class'");
      }
      if (!(s.weight > 0) || Double.isInfinite(s.weight)) {
        throw new ConfigException(
            "services[" + i + "].weight is " + s.weight + "; a weight must be positive and finite");
      }
    }
    if (!services.isEmpty() && !isService()) {
      throw new ConfigException("services are listed but the node has no 'service' role");
    }
    if (services.isEmpty() && isService() && !isCoordinator()) {
      throw new ConfigException(
          "roles is [service] but no services are listed: add --service CLASS (repeatable) or a"
              + " 'services' list in the config file (docs/node.md)");
    }
    if (tls != null && (tls.cert == null) != (tls.key == null)) {
      throw new ConfigException("tls.cert and tls.key go together");
    }
  }

  public boolean isCoordinator() {
    return roles.contains("coordinator");
  }

  public boolean isService() {
    return roles.contains("service");
  }

  public Duration sessionTtl() {
    return duration("session-ttl", sessionTtl);
  }

  /** The longest {@code drain-delay}: a stop must stay well within what a supervisor waits. */
  static final Duration MAX_DRAIN_DELAY = Duration.ofSeconds(30);

  public Duration drainDelay() {
    return duration("drain-delay", drainDelay);
  }

  /** The election timeout range, or null for Ratis' default. */
  public Duration @Nullable [] electionTimeout() {
    String v = coordinator.electionTimeout;
    return v == null ? null : electionTimeoutRange("coordinator.election-timeout", v);
  }

  /**
   * Parses an election timeout range {@code min..max} (e.g. {@code 1s..2s}) given as {@code
   * setting}, which names it in the error.
   *
   * @throws ConfigException if it is not such a range, or min is not below max
   */
  public static Duration[] electionTimeoutRange(String setting, String v) {
    String[] parts = v.split("\\.\\.");
    if (parts.length != 2) {
      throw new ConfigException(
          setting + " '" + v + "' is not a range; write min..max, e.g. 1s..2s");
    }
    Duration min = duration(setting, parts[0]);
    Duration max = duration(setting, parts[1]);
    if (min.compareTo(max) >= 0) {
      throw new ConfigException(setting + " '" + v + "': the minimum must be below the maximum");
    }
    return new Duration[] {min, max};
  }

  static Duration duration(String setting, String value) {
    try {
      return Durations.parse(value);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(setting + ": " + e.getMessage());
    }
  }

  /** Checks the ensemble's {@code id=host:raftPort,...} list, and that {@code self} is in it. */
  private static void peers(String peers, String self) {
    try {
      Coordinator.builder().peers(peers); // parses it, naming the bad entry
    } catch (IllegalArgumentException e) {
      throw new ConfigException("coordinator.peers: " + e.getMessage());
    }
    List<String> ids = new ArrayList<>();
    for (String entry : peers.split(",")) {
      String e = entry.strip();
      ids.add(e.substring(0, e.indexOf('=')));
    }
    if (!ids.contains(self)) {
      throw new ConfigException(
          "coordinator.self is '"
              + self
              + "', which is not an id in coordinator.peers "
              + ids
              + "; give this coordinator's own id there");
    }
  }

  private static void port(String setting, int port) {
    if (port < 0 || port > 65_535) {
      throw new ConfigException(setting + " is " + port + "; a port is 0 (any free one) to 65535");
    }
  }

  /** A setting is wrong; the message names it. */
  public static final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
      super(message);
    }
  }
}
