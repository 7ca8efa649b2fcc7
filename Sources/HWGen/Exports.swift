// `import HWGen` brings every layer: the flow (this target) and the targets below it.
@_exported import HWGenTypes
@_exported import HWGenCore
@_exported import HWGenGolden
@_exported import HWGenLibrary
