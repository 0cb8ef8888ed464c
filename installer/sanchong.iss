; Inno Setup script for 三重保障计算器 (installer/README.md).
;
;   iscc /DAppVersion=0.1.0 installer\sanchong.iss
;
; Packs the one-folder bundle dist\SanchongCalculator\ (pyinstaller installer\sanchong.spec) into
; dist\installer\SanchongCalculator-<version>-setup.exe. Needs Inno Setup 6.3 or later (6.x or 7.x;
; x64compatible, UTF-8 script). The version is not written here: the build passes the one in
; pyproject.toml (python installer\buildinfo.py version).
;
; For the current user by default, without administrator rights (%LOCALAPPDATA%\Programs\
; SanchongCalculator); Setup offers "install for all users" (Program Files, administrator rights)
; for PCs where IT allows programs only from there (/ALLUSERS on the command line). Start-menu and
; desktop shortcuts named 三重保障计算器, Chinese wizard. The clerk's data folder
; %LOCALAPPDATA%\SanchongCalculator (cases.sqlite3, backups\, logs\: engine/store/datadir.py) is never
; written by Setup: an upgrade leaves it as it is, and the uninstaller asks whether to delete it
; (default: keep). Setup and the uninstaller wait while the program is open (AppMutex).
;
; Signing (installer/README.md): with /DSign and /Ssanchong="signtool … $f" the setup file and the
; uninstaller are signed; the executable is signed before this script runs.

#ifndef AppVersion
  #error 请用 /DAppVersion=X.Y.Z 传入版本号 (pass the version: iscc /DAppVersion=0.1.0 installer\sanchong.iss)
#endif
; Up to four numbers for the setup file's version resource (AppVersion may carry a suffix such as
; rc1: pass /DFileVersion=$(python installer/buildinfo.py numeric-version) then).
#ifndef FileVersion
  #define FileVersion AppVersion
#endif

#define AppName "三重保障计算器"
#ifndef AppPublisher
  ; the office or bureau that distributes the program may pass its own name: /DAppPublisher=…
  #define AppPublisher "三重保障计算器项目组"
#endif
#define BundleName "SanchongCalculator"
#define AppExe BundleName + ".exe"
; engine/store/datadir.py: platformdirs.user_data_dir("SanchongCalculator", appauthor=False, roaming=False)
#define DataDirName "SanchongCalculator"
; gui/win32.py APP_MUTEX: every running copy of the program holds a named mutex of this name (and
; the Global\ one, seen from other sessions); Setup and Uninstall check for it (AppMutex below).
#define AppMutexName "SanchongCalculator-BC93EF5B-6C9C-4E4E-A32D-EE814E2E10AF"

; Simplified Chinese messages: ChineseSimplified.isl became an official translation, shipped with
; the compiler, in Inno Setup 7.0.2; Inno Setup 6 (6.7 on GitHub's runners) does not ship it. The
; build puts the official file, from a pinned commit of jrsoftware/issrc, next to this script
; (python installer\buildinfo.py chinese-isl; installer/README.md). Failing both, the English
; messages are used with the Chinese [Messages] below for every page this installer shows.
#if FileExists(AddBackslash(CompilerPath) + "Languages\ChineseSimplified.isl")
  #define ZhMessages "compiler:Languages\ChineseSimplified.isl"
#elif FileExists(AddBackslash(SourcePath) + "ChineseSimplified.isl")
  #define ZhMessages AddBackslash(SourcePath) + "ChineseSimplified.isl"
#endif

[Setup]
; Never change AppId: upgrades find the installed copy by it.
AppId={{BC93EF5B-6C9C-4E4E-A32D-EE814E2E10AF}
AppName={#AppName}
AppPublisher={#AppPublisher}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppComments=基本医保、大病保险、医疗救助、倾斜救助逐层计算（医保经办窗口用）
VersionInfoVersion={#FileVersion}
VersionInfoProductName={#AppName}
VersionInfoDescription={#AppName} 安装程序
; The current user by default: no UAC prompt, nothing written outside the user's profile. Setup
; asks (and /ALLUSERS or /CURRENTUSER decide on the command line) whether to install for all users
; instead; an upgrade keeps the mode of the installed copy (UsePreviousPrivileges, default yes).
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog commandline
; {autopf} = %LOCALAPPDATA%\Programs for the current user, Program Files for all users
DefaultDirName={autopf}\{#BundleName}
DisableProgramGroupPage=yes
UsePreviousAppDir=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
; Qt 6 needs Windows 10 1809 or later.
MinVersion=10.0.17763
; The repository root (this script's parent folder): the paths below are relative to it.
SourceDir={#AddBackslash(SourcePath)}..
OutputDir=dist\installer
OutputBaseFilename={#BundleName}-{#AppVersion}-setup
SetupIconFile=resources\icons\app.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
WizardStyle=modern
Compression=lzma2/max
SolidCompression=yes
; An open copy of the program stops Setup and the uninstaller before anything is deleted (the
; [InstallDelete] of _internal below is not rolled back): they ask for it to be closed first.
AppMutex={#AppMutexName},Global\{#AppMutexName}
; Other processes holding the program's files are closed (Restart Manager) before they are replaced.
CloseApplications=yes
RestartApplications=no
ShowLanguageDialog=no
#ifdef Sign
; The sign tool named "sanchong" is defined on the command line: /Ssanchong="signtool sign … $f"
SignTool=sanchong
SignedUninstaller=yes
#endif

[Languages]
#ifdef ZhMessages
Name: "chinesesimplified"; MessagesFile: "{#ZhMessages}"
#else
Name: "chinesesimplified"; MessagesFile: "compiler:Default.isl"
#endif

#ifndef ZhMessages
[LangOptions]
LanguageName=简体中文
LanguageID=$0804
LanguageCodePage=936

[Messages]
SetupAppTitle=安装
SetupWindowTitle=安装 - %1
UninstallAppTitle=卸载
UninstallAppFullTitle=%1 卸载
InformationTitle=信息
ConfirmTitle=确认
ErrorTitle=错误
ButtonBack=< 上一步(&B)
ButtonNext=下一步(&N) >
ButtonInstall=安装(&I)
ButtonOK=确定
ButtonCancel=取消
ButtonYes=是(&Y)
ButtonYesToAll=全是(&A)
ButtonNo=否(&N)
ButtonNoToAll=全否(&O)
ButtonFinish=完成(&F)
ButtonBrowse=浏览(&B)...
ButtonWizardBrowse=浏览(&R)...
ButtonNewFolder=新建文件夹(&M)
ClickNext=点击“下一步”继续，或点击“取消”退出安装程序。
BrowseDialogTitle=浏览文件夹
BrowseDialogLabel=在下面的列表中选择一个文件夹，然后点击“确定”。
NewFolderName=新建文件夹
ExitSetupTitle=退出安装程序
ExitSetupMessage=安装尚未完成。如果现在退出，程序将不会被安装。%n%n以后可以再次运行安装程序完成安装。%n%n现在退出安装程序吗？
WelcomeLabel1=欢迎使用 [name] 安装向导
WelcomeLabel2=即将在您的计算机上安装 [name/ver]。%n%n建议在继续之前关闭其他应用程序。
WizardSelectDir=选择安装位置
SelectDirDesc=要把 [name] 安装到哪里？
SelectDirLabel3=安装程序将把 [name] 安装到下面的文件夹。
SelectDirBrowseLabel=点击“下一步”继续。如果要选择其他文件夹，请点击“浏览”。
DiskSpaceGBLabel=至少需要 [gb] GB 可用磁盘空间。
DiskSpaceMBLabel=至少需要 [mb] MB 可用磁盘空间。
DirExistsTitle=文件夹已存在
DirExists=文件夹%n%n%1%n%n已经存在。确定要安装到这个文件夹吗？
DirDoesntExistTitle=文件夹不存在
DirDoesntExist=文件夹%n%n%1%n%n不存在。要创建这个文件夹吗？
WizardSelectTasks=选择附加任务
SelectTasksDesc=要执行哪些附加任务？
SelectTasksLabel2=选择安装 [name] 时要执行的附加任务，然后点击“下一步”。
WizardReady=准备安装
ReadyLabel1=安装程序已准备好在您的计算机上安装 [name]。
ReadyLabel2a=点击“安装”开始安装。如果要检查或修改设置，请点击“上一步”。
ReadyLabel2b=点击“安装”开始安装。
ReadyMemoDir=安装位置：
ReadyMemoTasks=附加任务：
WizardPreparing=正在准备安装
PreparingDesc=安装程序正在准备在您的计算机上安装 [name]。
ApplicationsFound=下列应用程序正在使用需要更新的文件。建议让安装程序自动关闭它们。
ApplicationsFound2=下列应用程序正在使用需要更新的文件。建议让安装程序自动关闭它们。安装完成后，安装程序将尝试重新启动这些应用程序。
CloseApplications=自动关闭应用程序(&A)
DontCloseApplications=不要关闭应用程序(&D)
ErrorCloseApplications=安装程序无法自动关闭所有应用程序。建议先关闭正在使用这些文件的应用程序再继续。
WizardInstalling=正在安装
InstallingLabel=正在安装 [name]，请稍候。
FinishedHeadingLabel=[name] 安装完成
FinishedLabelNoIcons=已在您的计算机上安装 [name]。
FinishedLabel=已在您的计算机上安装 [name]。可以通过已创建的快捷方式启动程序。
ClickFinish=点击“完成”退出安装程序。
RunEntryExec=运行 %1
StatusClosingApplications=正在关闭应用程序...
StatusCreateDirs=正在创建文件夹...
StatusExtractFiles=正在解压文件...
StatusCreateIcons=正在创建快捷方式...
StatusCreateRegistryEntries=正在写入注册表...
StatusSavingUninstall=正在保存卸载信息...
StatusRunProgram=正在完成安装...
StatusRollback=正在撤销更改...
SetupAborted=安装未完成。%n%n请解决问题后重新运行安装程序。
ConfirmUninstall=确定要完全删除 %1 及其所有组件吗？
UninstallStatusLabel=正在从您的计算机中删除 %1，请稍候。
UninstalledAll=已从您的计算机中删除 %1。
UninstalledMost=%1 卸载完成。%n%n有些内容未能删除，可以手动删除。
WizardUninstalling=卸载状态
StatusUninstalling=正在卸载 %1...
UninstallDisplayNameMarkCurrentUser=当前用户
UninstallDisplayNameMarkAllUsers=所有用户
PrivilegesRequiredOverrideTitle=选择安装方式
PrivilegesRequiredOverrideInstruction=选择安装方式
PrivilegesRequiredOverrideText1=%1 可以为本机所有用户安装（需要管理员权限），也可以只为您自己安装。
PrivilegesRequiredOverrideText2=%1 可以只为您自己安装，也可以为本机所有用户安装（需要管理员权限）。
PrivilegesRequiredOverrideAllUsers=为所有用户安装(&A)
PrivilegesRequiredOverrideAllUsersRecommended=为所有用户安装(&A)（推荐）
PrivilegesRequiredOverrideCurrentUser=只为我安装(&M)
PrivilegesRequiredOverrideCurrentUserRecommended=只为我安装(&M)（推荐）
SetupAppRunningError=安装程序发现 %1 正在运行。%n%n请先关闭它，然后点击“确定”继续，或点击“取消”退出。
UninstallAppRunningError=卸载程序发现 %1 正在运行。%n%n请先关闭它，然后点击“确定”继续，或点击“取消”退出。
WindowsVersionNotSupported=本程序不支持您的计算机所运行的 Windows 版本。
WinVersionTooLowError=本程序需要 %1 %2 或更高版本。
OnlyOnTheseArchitectures=本程序只能安装在为下列处理器架构设计的 Windows 版本上：%n%n%1

[CustomMessages]
NameAndVersion=%1 版本 %2
AdditionalIcons=附加快捷方式：
CreateDesktopIcon=创建桌面快捷方式(&D)
LaunchProgram=运行 %1
UninstallProgram=卸载 %1
#endif

[CustomMessages]
RemoveDataQuestion=是否同时删除 {#AppName} 的数据文件夹？%n%n%1%n%n其中保存着全部已保存的结算案件、人员台账、本机设置和每日备份，删除后无法恢复。%n%n如果以后还要使用本程序（重新安装或升级），或数据尚未另行备份，请选择“否”保留。
RemoveDataFailed=数据文件夹 %1 未能全部删除（可能有文件正在使用），请稍后手动删除。

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"

[InstallDelete]
; An upgrade replaces the whole bundle: files a newer build no longer has must not linger.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "dist\{#BundleName}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
; {autoprograms} / {autodesktop}: the current user's Start menu and desktop, or all users' ones.
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"; Comment: "{#AppName}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"; Comment: "{#AppName}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[Code]
function DataDir(): String;
begin
  Result := ExpandConstant('{localappdata}\{#DataDirName}');
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
var
  Dir: String;
begin
  if CurUninstallStep <> usPostUninstall then
    Exit;
  Dir := DataDir();
  if not DirExists(Dir) then
    Exit;
  { Default button "No"; an uninstall with /SUPPRESSMSGBOXES (and /SILENT or /VERYSILENT) is not
    asked and takes that default: keep. }
  if SuppressibleMsgBox(FmtMessage(CustomMessage('RemoveDataQuestion'), [Dir]),
       mbConfirmation, MB_YESNO or MB_DEFBUTTON2, IDNO) = IDYES then
  begin
    if not DelTree(Dir, True, True, True) then
      SuppressibleMsgBox(FmtMessage(CustomMessage('RemoveDataFailed'), [Dir]), mbError, MB_OK, IDOK);
    { The window's remembered size and position (QSettings in the registry, gui/main_window.py). }
    RegDeleteKeyIncludingSubkeys(HKEY_CURRENT_USER, 'Software\SanchongCalculator');
  end;
end;
