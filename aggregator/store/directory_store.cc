// The names of users rows' sources.
#include "aggregator/store/directory_store.h"

namespace ramette::aggregator::store {

std::string_view UserRowSourceName(UserRowSource source) {
  return source == UserRowSource::kDirectory ? "directory" : "csv";
}

}  // namespace ramette::aggregator::store
