package dev.eventlens.k8s;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.Annotated;
import com.fasterxml.jackson.databind.introspect.JacksonAnnotationIntrospector;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strimzi.api.kafka.model.kafka.Kafka;
import io.strimzi.api.kafka.model.nodepool.KafkaNodePool;
import io.strimzi.api.kafka.model.topic.KafkaTopic;
import java.io.IOException;
import java.util.Map;

/**
 * Reads a JSON array of Kubernetes objects on stdin and deserialises each Strimzi object into
 * Strimzi's model class for its kind. Prints a JSON array with one result per input object:
 * {"index": n, "ok": true} or {"index": n, "ok": false, "error": "..."}.
 *
 * <p>Strimzi's classes (and fabric8's ObjectMeta) keep unknown properties in a map through
 * {@code @JsonAnySetter}, which would accept anything: the introspector below ignores those
 * setters, so FAIL_ON_UNKNOWN_PROPERTIES refuses a property the model does not declare, with its path.
 */
public final class ValidateStrimzi {
  private static final Map<String, Class<?>> KINDS =
      Map.of(
          "kafka.strimzi.io/v1beta2/Kafka", Kafka.class,
          "kafka.strimzi.io/v1beta2/KafkaNodePool", KafkaNodePool.class,
          "kafka.strimzi.io/v1beta2/KafkaTopic", KafkaTopic.class);

  private ValidateStrimzi() {}

  public static void main(String[] args) throws IOException {
    ObjectMapper strict = new ObjectMapper();
    strict.setAnnotationIntrospector(
        new JacksonAnnotationIntrospector() {
          @Override
          public Boolean hasAnySetter(Annotated a) {
            return Boolean.FALSE;
          }
        });
    strict.enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    strict.enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
    strict.enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS);
    strict.enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);

    ObjectMapper plain = new ObjectMapper();
    JsonNode input = plain.readTree(System.in);
    ArrayNode results = plain.createArrayNode();
    for (int i = 0; i < input.size(); i++) {
      JsonNode object = input.get(i);
      ObjectNode result = results.addObject();
      result.put("index", i);
      String key = object.path("apiVersion").asText() + "/" + object.path("kind").asText();
      Class<?> type = KINDS.get(key);
      if (type == null) {
        result.put("ok", false);
        result.put("error", "no Strimzi model for " + key);
        continue;
      }
      try {
        strict.treeToValue(object, type);
        result.put("ok", true);
      } catch (JsonMappingException e) {
        result.put("ok", false);
        result.put("error", describe(e));
      }
    }
    plain.writeValue(System.out, results);
  }

  private static String describe(JsonMappingException e) {
    StringBuilder path = new StringBuilder();
    for (JsonMappingException.Reference ref : e.getPath()) {
      if (ref.getFieldName() != null) path.append('.').append(ref.getFieldName());
      else if (ref.getIndex() >= 0) path.append('[').append(ref.getIndex()).append(']');
    }
    return (path.length() == 0 ? "" : path + ": ") + e.getOriginalMessage();
  }
}
