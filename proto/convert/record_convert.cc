// Field-by-field mapping; unknown enum values map to "unknown" and are judged by validation.
#include "proto/convert/record_convert.h"

namespace ramette {
namespace {

JobState StateFrom(v1::JobState s) {
  switch (s) {
    case v1::JOB_STATE_COMPLETED:
      return JobState::kCompleted;
    case v1::JOB_STATE_CANCELED:
      return JobState::kCanceled;
    case v1::JOB_STATE_ABORTED:
      return JobState::kAborted;
    default:
      return JobState::kUnknown;
  }
}
v1::JobState StateTo(JobState s) {
  switch (s) {
    case JobState::kCompleted:
      return v1::JOB_STATE_COMPLETED;
    case JobState::kCanceled:
      return v1::JOB_STATE_CANCELED;
    case JobState::kAborted:
      return v1::JOB_STATE_ABORTED;
    default:
      return v1::JOB_STATE_UNSPECIFIED;
  }
}
Sides SidesFrom(v1::Sides s) {
  switch (s) {
    case v1::SIDES_ONE_SIDED:
      return Sides::kOneSided;
    case v1::SIDES_TWO_SIDED_LONG_EDGE:
      return Sides::kTwoSidedLongEdge;
    case v1::SIDES_TWO_SIDED_SHORT_EDGE:
      return Sides::kTwoSidedShortEdge;
    default:
      return Sides::kUnknown;
  }
}
v1::Sides SidesTo(Sides s) {
  switch (s) {
    case Sides::kOneSided:
      return v1::SIDES_ONE_SIDED;
    case Sides::kTwoSidedLongEdge:
      return v1::SIDES_TWO_SIDED_LONG_EDGE;
    case Sides::kTwoSidedShortEdge:
      return v1::SIDES_TWO_SIDED_SHORT_EDGE;
    default:
      return v1::SIDES_UNSPECIFIED;
  }
}
ColorMode ColorFrom(v1::ColorMode c) {
  switch (c) {
    case v1::COLOR_MODE_MONOCHROME:
      return ColorMode::kMonochrome;
    case v1::COLOR_MODE_COLOR:
      return ColorMode::kColor;
    default:
      return ColorMode::kUnknown;
  }
}
v1::ColorMode ColorTo(ColorMode c) {
  switch (c) {
    case ColorMode::kMonochrome:
      return v1::COLOR_MODE_MONOCHROME;
    case ColorMode::kColor:
      return v1::COLOR_MODE_COLOR;
    default:
      return v1::COLOR_MODE_UNSPECIFIED;
  }
}
RecordSource SourceFrom(v1::RecordSource s) {
  switch (s) {
    case v1::RECORD_SOURCE_LIVE:
      return RecordSource::kLive;
    case v1::RECORD_SOURCE_PAGE_LOG:
      return RecordSource::kPageLog;
    default:
      return RecordSource::kUnknown;
  }
}
v1::RecordSource SourceTo(RecordSource s) {
  switch (s) {
    case RecordSource::kLive:
      return v1::RECORD_SOURCE_LIVE;
    case RecordSource::kPageLog:
      return v1::RECORD_SOURCE_PAGE_LOG;
    default:
      return v1::RECORD_SOURCE_UNSPECIFIED;
  }
}

}  // namespace

JobRecord FromProto(const v1::JobRecord& p) {
  JobRecord r;
  r.queue = p.queue();
  r.cups_job_id = p.cups_job_id();
  r.job_uuid = p.job_uuid();
  r.user = p.user();
  r.client_host = p.client_host();
  r.created_at = p.created_at_unix();
  r.completed_at = p.completed_at_unix();
  r.state = StateFrom(p.state());
  r.copies = p.copies();
  r.sides = SidesFrom(p.sides());
  r.media = p.media();
  r.media_from_queue = p.media_from_queue();
  r.color_mode = ColorFrom(p.color_mode());
  r.number_up = p.number_up();
  r.impressions_completed = p.impressions_completed();
  r.cups_media_sheets_completed =
      p.has_cups_media_sheets_completed() ? p.cups_media_sheets_completed() : -1;
  r.job_impressions = p.job_impressions();
  if (!p.title().empty()) r.title = p.title();
  r.source = SourceFrom(p.source());
  return r;
}

QueueRecord FromProto(const v1::QueueRecord& p) {
  QueueRecord q;
  q.name = p.name();
  q.uuid = p.uuid();
  q.make_model = p.make_model();
  q.device_uri = p.device_uri();
  q.location = p.location();
  q.description = p.description();
  q.color_supported = p.color_supported();
  q.duplex_supported = p.duplex_supported();
  q.printer_type = p.printer_type();
  q.deleted = p.deleted();
  q.media_default = p.media_default();
  q.sides_default = p.sides_default();
  return q;
}

void ToProto(const JobRecord& r, v1::JobRecord* p) {
  p->set_queue(r.queue);
  p->set_cups_job_id(r.cups_job_id);
  p->set_job_uuid(r.job_uuid);
  p->set_user(r.user);
  p->set_client_host(r.client_host);
  p->set_created_at_unix(r.created_at);
  p->set_completed_at_unix(r.completed_at);
  p->set_state(StateTo(r.state));
  p->set_copies(r.copies);
  p->set_sides(SidesTo(r.sides));
  p->set_media(r.media);
  p->set_media_from_queue(r.media_from_queue);
  p->set_color_mode(ColorTo(r.color_mode));
  p->set_number_up(r.number_up);
  p->set_impressions_completed(r.impressions_completed);
  if (r.cups_media_sheets_completed >= 0) {
    p->set_cups_media_sheets_completed(r.cups_media_sheets_completed);
  }
  p->set_job_impressions(r.job_impressions);
  if (r.title) p->set_title(*r.title);
  p->set_source(SourceTo(r.source));
}

void ToProto(const QueueRecord& q, v1::QueueRecord* p) {
  p->set_name(q.name);
  p->set_uuid(q.uuid);
  p->set_make_model(q.make_model);
  p->set_device_uri(q.device_uri);
  p->set_location(q.location);
  p->set_description(q.description);
  p->set_color_supported(q.color_supported);
  p->set_duplex_supported(q.duplex_supported);
  p->set_printer_type(q.printer_type);
  p->set_deleted(q.deleted);
  p->set_media_default(q.media_default);
  p->set_sides_default(q.sides_default);
}

}  // namespace ramette
