-- Argo CD health check for schemaguard.io/SafeMigration (resource.customizations.health.schemaguard.io_SafeMigration).
-- A sync that applies a SafeMigration waits until its run for the current generation is done:
-- Healthy once it Succeeded, Degraded when it was Blocked, Failed or Restored (the migration did not
-- go through), Progressing while it plans, backs up, rehearses or migrates.
local hs = { status = "Progressing", message = "waiting for the operator" }
if obj.status == nil or obj.status.observedGeneration == nil then
  return hs
end
if obj.metadata.generation ~= nil and obj.status.observedGeneration < obj.metadata.generation then
  hs.message = "the operator has not seen generation " .. obj.metadata.generation .. " yet"
  return hs
end
local run = obj.status.currentRun
local message = ""
if run ~= nil and run.message ~= nil then
  message = run.message
end
local phase = obj.status.phase
local function describe(p)
  if message == "" then
    return p
  end
  return p .. ": " .. message
end
if phase == "Succeeded" then
  return { status = "Healthy", message = message }
end
if phase == "Blocked" or phase == "Failed" or phase == "Restored" then
  return { status = "Degraded", message = describe(phase) }
end
if phase ~= nil then
  hs.message = describe(phase)
end
return hs
