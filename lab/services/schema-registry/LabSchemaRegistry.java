// Lab simulation of a Confluent-compatible Schema Registry (REST API v1, Avro only).
//
// Why this exists: neither Confluent's Schema Registry nor Karapace can be installed from the
// registries this machine reaches, so the lab serves the same REST API itself. The part that
// matters to the checks -- whether a schema change is compatible -- is NOT imitated: it is decided
// by Apache Avro's own org.apache.avro.SchemaCompatibility. Every change is first written to the
// Kafka topic `_schemas` (compacted, Confluent's key/value JSON) and only then applied; the state
// is also kept in a JSON file, which is what a restart reads (Confluent replays the topic).
// Binds 127.0.0.1 only.
//
// Usage: java -cp <jars>:<classes> LabSchemaRegistry <port> <state.json> [<kafka bootstrap>]
// (SCHEMA_REGISTRY_KAFKASTORE_TOPIC names another store topic, as in Confluent's image.)

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringSerializer;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

public final class LabSchemaRegistry {
  static final String CT = "application/vnd.schemaregistry.v1+json";
  static final Set<String> LEVELS =
      Set.of(
          "NONE",
          "BACKWARD",
          "BACKWARD_TRANSITIVE",
          "FORWARD",
          "FORWARD_TRANSITIVE",
          "FULL",
          "FULL_TRANSITIVE");
  static final ObjectMapper JSON = new ObjectMapper();

  /** A Confluent-style error: HTTP status plus error_code and message in the body. */
  static final class ApiError extends Exception {
    final int status;
    final int code;

    ApiError(int status, int code, String message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  // ---- state (guarded by `this` of the registry; persisted after every change) ----
  final Path stateFile;
  final Map<Integer, String> schemasById = new TreeMap<>(); // id -> canonical schema text
  final Map<String, Integer> idsBySchema = new HashMap<>(); // canonical text -> id
  final Map<String, TreeMap<Integer, Integer>> subjects = new TreeMap<>(); // subject -> version -> id
  final Map<String, String> subjectLevels = new TreeMap<>();
  String globalLevel = "BACKWARD";
  int nextId = 1;

  /** Confluent's kafkastore.topic, from the same environment variable its image reads (default `_schemas`) */
  static final String TOPIC = kafkastoreTopic(System.getenv("SCHEMA_REGISTRY_KAFKASTORE_TOPIC"));

  static String kafkastoreTopic(String fromEnv) {
    return fromEnv == null || fromEnv.isEmpty() ? "_schemas" : fromEnv;
  }
  /** null when started without a Kafka bootstrap (then the file is the only store) */
  final Producer<String, String> journal;

  LabSchemaRegistry(Path stateFile, String kafkaBootstrap) throws Exception {
    this.stateFile = stateFile;
    if (Files.exists(stateFile)) load();
    journal = kafkaBootstrap == null ? null : openJournal(kafkaBootstrap);
  }

  /** Create `_schemas` (compacted, RF 3) if missing and open an acks=all producer to it. */
  static Producer<String, String> openJournal(String bootstrap) throws Exception {
    Properties common = new Properties();
    common.put("bootstrap.servers", bootstrap);
    common.put("client.id", "lab-schema-registry");
    common.put("request.timeout.ms", "5000");
    common.put("default.api.timeout.ms", "10000");
    try (Admin admin = Admin.create(common)) {
      NewTopic topic = new NewTopic(TOPIC, 1, (short) 3).configs(Map.of("cleanup.policy", "compact", "min.insync.replicas", "2"));
      try {
        admin.createTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) throw e;
      }
    }
    Properties p = new Properties();
    p.putAll(common);
    p.put("acks", "all");
    p.put("max.block.ms", "5000");
    p.put("delivery.timeout.ms", "10000");
    p.put("linger.ms", "0");
    p.put("key.serializer", StringSerializer.class.getName());
    p.put("value.serializer", StringSerializer.class.getName());
    return new KafkaProducer<>(p);
  }

  /** Write one change to the store topic and wait for the brokers' acknowledgement (before applying it). */
  void journal(ObjectNode key, ObjectNode value) throws ApiError {
    if (journal == null) return;
    try {
      journal.send(new ProducerRecord<>(TOPIC, JSON.writeValueAsString(key), value == null ? null : JSON.writeValueAsString(value)))
          .get(15, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new ApiError(500, 50001, "Error while writing to the Kafka store (" + TOPIC + "): " + e);
    }
  }

  static ObjectNode schemaKey(String subject, int version) {
    ObjectNode k = JSON.createObjectNode();
    k.put("keytype", "SCHEMA");
    k.put("subject", subject);
    k.put("version", version);
    k.put("magic", 1);
    return k;
  }

  ObjectNode schemaValue(String subject, int version, int id, String schema, boolean deleted) {
    ObjectNode v = JSON.createObjectNode();
    v.put("subject", subject);
    v.put("version", version);
    v.put("id", id);
    v.put("schema", schema);
    v.put("deleted", deleted);
    return v;
  }

  static ObjectNode configKey(String subject) {
    ObjectNode k = JSON.createObjectNode();
    k.put("keytype", "CONFIG");
    if (subject == null) k.putNull("subject");
    else k.put("subject", subject);
    k.put("magic", 0);
    return k;
  }

  static ObjectNode configValue(String level) {
    ObjectNode v = JSON.createObjectNode();
    v.put("compatibilityLevel", level);
    return v;
  }

  // ---------------------------------------------------------------- persistence
  void load() throws IOException {
    JsonNode root = JSON.readTree(stateFile.toFile());
    globalLevel = root.path("globalLevel").asText("BACKWARD");
    nextId = root.path("nextId").asInt(1);
    root.path("schemas").fields().forEachRemaining(e -> {
      int id = Integer.parseInt(e.getKey());
      schemasById.put(id, e.getValue().asText());
      idsBySchema.put(e.getValue().asText(), id);
    });
    root.path("subjects").fields().forEachRemaining(e -> {
      TreeMap<Integer, Integer> versions = new TreeMap<>();
      e.getValue().fields().forEachRemaining(v -> versions.put(Integer.parseInt(v.getKey()), v.getValue().asInt()));
      subjects.put(e.getKey(), versions);
    });
    root.path("subjectLevels").fields().forEachRemaining(e -> subjectLevels.put(e.getKey(), e.getValue().asText()));
  }

  void save() throws IOException {
    ObjectNode root = JSON.createObjectNode();
    root.put("globalLevel", globalLevel);
    root.put("nextId", nextId);
    ObjectNode schemas = root.putObject("schemas");
    schemasById.forEach((id, s) -> schemas.put(String.valueOf(id), s));
    ObjectNode subs = root.putObject("subjects");
    subjects.forEach((s, versions) -> {
      ObjectNode v = subs.putObject(s);
      versions.forEach((ver, id) -> v.put(String.valueOf(ver), id));
    });
    ObjectNode levels = root.putObject("subjectLevels");
    subjectLevels.forEach(levels::put);
    Path tmp = stateFile.resolveSibling(stateFile.getFileName() + ".tmp");
    JSON.writeValue(tmp.toFile(), root);
    Files.move(tmp, stateFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  // ---------------------------------------------------------------- Avro rules
  static Schema parse(JsonNode body) throws ApiError {
    String type = body.path("schemaType").asText("AVRO");
    if (!type.equals("AVRO")) {
      throw new ApiError(422, 42201, "Invalid schema: this lab registry supports schemaType AVRO only, got " + type);
    }
    JsonNode schema = body.get("schema");
    if (schema == null || !schema.isTextual()) {
      throw new ApiError(422, 42201, "Invalid schema: body must be {\"schema\": \"<avro schema as a JSON string>\"}");
    }
    try {
      return new Schema.Parser().parse(schema.asText());
    } catch (AvroRuntimeException | NullPointerException e) { // SchemaParseException, AvroTypeException ...
      throw new ApiError(422, 42201, "Invalid schema " + schema.asText() + ": " + e.getMessage());
    }
  }

  /** Messages describing why `candidate` is not compatible with `existing` under `level`; empty if it is. */
  static List<String> incompatibilities(Schema candidate, List<Schema> existing, String level) {
    List<String> out = new ArrayList<>();
    if (level.equals("NONE") || existing.isEmpty()) return out;
    List<Schema> against = level.endsWith("_TRANSITIVE") ? existing : List.of(existing.get(existing.size() - 1));
    boolean backward = level.startsWith("BACKWARD") || level.startsWith("FULL");
    boolean forward = level.startsWith("FORWARD") || level.startsWith("FULL");
    for (Schema old : against) {
      if (backward) describe(out, "BACKWARD", SchemaCompatibility.checkReaderWriterCompatibility(candidate, old));
      if (forward) describe(out, "FORWARD", SchemaCompatibility.checkReaderWriterCompatibility(old, candidate));
    }
    return out;
  }

  static void describe(List<String> out, String direction, SchemaCompatibility.SchemaPairCompatibility r) {
    if (r.getType() == SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) return;
    for (SchemaCompatibility.Incompatibility i : r.getResult().getIncompatibilities()) {
      out.add(direction + ": " + i.getType() + " at " + i.getLocation() + ": " + i.getMessage());
    }
  }

  String levelFor(String subject) {
    return subjectLevels.getOrDefault(subject, globalLevel);
  }

  TreeMap<Integer, Integer> subjectOrThrow(String subject) throws ApiError {
    TreeMap<Integer, Integer> versions = subjects.get(subject);
    if (versions == null || versions.isEmpty()) {
      throw new ApiError(404, 40401, "Subject '" + subject + "' not found.");
    }
    return versions;
  }

  int versionOrThrow(TreeMap<Integer, Integer> versions, String subject, String version) throws ApiError {
    if (version.equals("latest") || version.equals("-1")) return versions.lastKey();
    try {
      int v = Integer.parseInt(version);
      if (versions.containsKey(v)) return v;
    } catch (NumberFormatException e) {
      throw new ApiError(422, 42202, "The specified version '" + version + "' is not a valid version id.");
    }
    throw new ApiError(404, 40402, "Version " + version + " not found.");
  }

  List<Schema> history(TreeMap<Integer, Integer> versions) {
    List<Schema> out = new ArrayList<>();
    for (int id : versions.values()) out.add(new Schema.Parser().parse(schemasById.get(id)));
    return out;
  }

  ObjectNode versionBody(String subject, int version, int id) {
    ObjectNode n = JSON.createObjectNode();
    n.put("subject", subject);
    n.put("version", version);
    n.put("id", id);
    n.put("schema", schemasById.get(id));
    return n;
  }

  // ---------------------------------------------------------------- routes
  synchronized Object route(String method, List<String> p, Map<String, String> q, JsonNode body) throws ApiError, IOException {
    int n = p.size();
    if (n == 0 && method.equals("GET")) return JSON.createObjectNode();
    String head = p.get(0);
    if (head.equals("subjects")) {
      if (n == 1 && method.equals("GET")) {
        List<String> names = new ArrayList<>();
        subjects.forEach((name, versions) -> {
          if (!versions.isEmpty()) names.add(name);
        });
        return names;
      }
      String subject = p.get(1);
      if (n == 2 && method.equals("DELETE")) {
        TreeMap<Integer, Integer> versions = subjectOrThrow(subject);
        List<Integer> deleted = new ArrayList<>(versions.keySet());
        for (Map.Entry<Integer, Integer> v : versions.entrySet()) {
          journal(schemaKey(subject, v.getKey()), schemaValue(subject, v.getKey(), v.getValue(), schemasById.get(v.getValue()), true));
        }
        subjects.remove(subject);
        subjectLevels.remove(subject);
        save();
        return deleted;
      }
      if (n == 2 && method.equals("POST")) { // look up a schema under a subject
        String canonical = parse(body).toString();
        TreeMap<Integer, Integer> versions = subjectOrThrow(subject);
        Integer id = idsBySchema.get(canonical);
        for (Map.Entry<Integer, Integer> e : versions.entrySet()) {
          if (id != null && e.getValue().equals(id)) return versionBody(subject, e.getKey(), id);
        }
        throw new ApiError(404, 40403, "Schema not found");
      }
      if (n == 3 && p.get(2).equals("versions")) {
        if (method.equals("GET")) return new ArrayList<>(subjectOrThrow(subject).keySet());
        if (method.equals("POST")) return register(subject, body);
      }
      if (n == 4 && p.get(2).equals("versions")) {
        TreeMap<Integer, Integer> versions = subjectOrThrow(subject);
        int v = versionOrThrow(versions, subject, p.get(3));
        if (method.equals("GET")) return versionBody(subject, v, versions.get(v));
        if (method.equals("DELETE")) {
          int id = versions.get(v);
          journal(schemaKey(subject, v), schemaValue(subject, v, id, schemasById.get(id), true));
          versions.remove(v);
          if (versions.isEmpty()) subjects.remove(subject);
          save();
          return v;
        }
      }
      if (n == 5 && p.get(2).equals("versions") && p.get(4).equals("schema") && method.equals("GET")) {
        TreeMap<Integer, Integer> versions = subjectOrThrow(subject);
        return JSON.readTree(schemasById.get(versions.get(versionOrThrow(versions, subject, p.get(3)))));
      }
    }
    if (head.equals("schemas") && n == 3 && p.get(1).equals("ids") && method.equals("GET")) {
      String text = null;
      try {
        text = schemasById.get(Integer.parseInt(p.get(2)));
      } catch (NumberFormatException ignored) {
      }
      if (text == null) throw new ApiError(404, 40403, "Schema " + p.get(2) + " not found");
      ObjectNode out = JSON.createObjectNode();
      out.put("schema", text);
      return out;
    }
    if (head.equals("schemas") && n == 2 && p.get(1).equals("types") && method.equals("GET")) return List.of("AVRO");
    if (head.equals("compatibility") && n == 5 && p.get(1).equals("subjects") && p.get(3).equals("versions") && method.equals("POST")) {
      String subject = p.get(2);
      Schema candidate = parse(body);
      TreeMap<Integer, Integer> versions = subjectOrThrow(subject);
      int v = versionOrThrow(versions, subject, p.get(4));
      Schema old = new Schema.Parser().parse(schemasById.get(versions.get(v)));
      // Against one named version the level's direction applies, never its transitivity.
      String level = levelFor(subject).replace("_TRANSITIVE", "");
      List<String> problems = incompatibilities(candidate, List.of(old), level);
      ObjectNode out = JSON.createObjectNode();
      out.put("is_compatible", problems.isEmpty());
      if ("true".equals(q.get("verbose"))) {
        ArrayNode msgs = out.putArray("messages");
        problems.forEach(msgs::add);
      }
      return out;
    }
    if (head.equals("config")) {
      if (n == 1 && method.equals("GET")) return level(globalLevel);
      if (n == 1 && method.equals("PUT")) {
        String l = checkLevel(body);
        journal(configKey(null), configValue(l));
        globalLevel = l;
        save();
        return setLevel(globalLevel);
      }
      String subject = p.get(1);
      if (n == 2 && method.equals("GET")) {
        String l = subjectLevels.get(subject);
        if (l == null && "true".equals(q.get("defaultToGlobal"))) l = globalLevel;
        if (l == null) throw new ApiError(404, 40408, "Subject '" + subject + "' does not have subject-level compatibility configured");
        return level(l);
      }
      if (n == 2 && method.equals("PUT")) {
        String l = checkLevel(body);
        journal(configKey(subject), configValue(l));
        subjectLevels.put(subject, l);
        save();
        return setLevel(l);
      }
      if (n == 2 && method.equals("DELETE")) {
        String l = subjectLevels.get(subject);
        if (l == null) throw new ApiError(404, 40401, "Subject '" + subject + "' not found.");
        journal(configKey(subject), null); // a tombstone, as Confluent deletes a subject's config
        subjectLevels.remove(subject);
        save();
        return setLevel(l);
      }
    }
    throw new ApiError(404, 404, "HTTP 404 Not Found");
  }

  Object register(String subject, JsonNode body) throws ApiError, IOException {
    Schema candidate = parse(body);
    String canonical = candidate.toString();
    TreeMap<Integer, Integer> versions = subjects.computeIfAbsent(subject, s -> new TreeMap<>());
    Integer known = idsBySchema.get(canonical);
    ObjectNode out = JSON.createObjectNode();
    if (known != null && versions.containsValue(known)) { // same schema again: idempotent
      out.put("id", known);
      return out;
    }
    List<String> problems = incompatibilities(candidate, history(versions), levelFor(subject));
    if (!problems.isEmpty()) {
      if (versions.isEmpty()) subjects.remove(subject);
      throw new ApiError(409, 409,
          "Schema being registered is incompatible with an earlier schema for subject \"" + subject + "\", details: " + problems);
    }
    int id = known != null ? known : nextId;
    int version = versions.isEmpty() ? 1 : versions.lastKey() + 1;
    try {
      journal(schemaKey(subject, version), schemaValue(subject, version, id, canonical, false));
    } catch (ApiError e) {
      if (versions.isEmpty()) subjects.remove(subject);
      throw e;
    }
    if (known == null) nextId++;
    schemasById.put(id, canonical);
    idsBySchema.put(canonical, id);
    versions.put(version, id);
    save();
    out.put("id", id);
    return out;
  }

  static String checkLevel(JsonNode body) throws ApiError {
    String l = body == null ? "" : body.path("compatibility").asText("");
    if (!LEVELS.contains(l)) throw new ApiError(422, 42203, "Invalid compatibility level. Valid values are " + LEVELS);
    return l;
  }

  static ObjectNode level(String l) {
    ObjectNode o = JSON.createObjectNode();
    o.put("compatibilityLevel", l);
    return o;
  }

  static ObjectNode setLevel(String l) {
    ObjectNode o = JSON.createObjectNode();
    o.put("compatibility", l);
    return o;
  }

  // ---------------------------------------------------------------- HTTP
  void handle(HttpExchange ex) throws IOException {
    int status = 200;
    Object result;
    try {
      String raw = ex.getRequestURI().getRawPath();
      List<String> parts = new ArrayList<>();
      for (String s : raw.split("/")) if (!s.isEmpty()) parts.add(URLDecoder.decode(s, StandardCharsets.UTF_8));
      Map<String, String> query = new LinkedHashMap<>();
      String rq = ex.getRequestURI().getRawQuery();
      if (rq != null) {
        for (String kv : rq.split("&")) {
          String[] pair = kv.split("=", 2);
          query.put(URLDecoder.decode(pair[0], StandardCharsets.UTF_8), pair.length > 1 ? URLDecoder.decode(pair[1], StandardCharsets.UTF_8) : "");
        }
      }
      JsonNode body = null;
      try (InputStream in = ex.getRequestBody()) {
        byte[] bytes = in.readAllBytes();
        if (bytes.length > 0) {
          try {
            body = JSON.readTree(bytes);
          } catch (IOException e) {
            throw new ApiError(400, 400, "Unrecognized request body: " + e.getMessage());
          }
        }
      }
      if (body == null) body = JSON.createObjectNode();
      result = route(ex.getRequestMethod(), parts, query, body);
    } catch (ApiError e) {
      status = e.status;
      ObjectNode err = JSON.createObjectNode();
      err.put("error_code", e.code);
      err.put("message", e.getMessage());
      result = err;
    } catch (RuntimeException e) {
      status = 500;
      ObjectNode err = JSON.createObjectNode();
      err.put("error_code", 50001);
      err.put("message", "Error in the backend data store: " + e);
      result = err;
    }
    byte[] out = JSON.writeValueAsBytes(result);
    ex.getResponseHeaders().set("Content-Type", CT);
    ex.sendResponseHeaders(status, out.length);
    try (OutputStream os = ex.getResponseBody()) {
      os.write(out);
    }
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 2 && args.length != 3) {
      System.err.println("usage: LabSchemaRegistry <port> <state.json> [<kafka bootstrap host:port>]");
      System.exit(2);
    }
    int port = Integer.parseInt(args[0]);
    LabSchemaRegistry registry = new LabSchemaRegistry(Path.of(args[1]), args.length == 3 ? args[2] : null);
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
    server.createContext("/", ex -> {
      try {
        registry.handle(ex);
      } finally {
        ex.close();
      }
    });
    server.setExecutor(Executors.newFixedThreadPool(4));
    server.start();
    System.out.println("lab schema registry (Avro " + Schema.class.getPackage().getImplementationVersion() + ") listening on 127.0.0.1:" + port
        + (registry.journal == null ? ", store: " + args[1] : ", kafkastore: topic " + TOPIC + " via " + args[2] + " (+ " + args[1] + ")"));
  }
}
